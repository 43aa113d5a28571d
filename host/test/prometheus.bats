#!/usr/bin/env bats
# The monitoring files of compose.yaml: Prometheus' config and alert rules (their unit
# tests with promtool, Debian's prometheus package) and Alertmanager's config (amtool).

load helpers

PROM="$REPO/host/docker/prometheus"

@test "prometheus.yml and its alert rules pass promtool check" {
  command -v promtool >/dev/null || skip "promtool is not installed (host/test/run installs Debian's prometheus)"
  run promtool check config "$PROM/prometheus.yml"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"1 rule files found"* ]]
}

@test "every alert rule fires on the series that should raise it, with its text, and only there (promtool test rules)" {
  command -v promtool >/dev/null || skip "promtool is not installed (host/test/run installs Debian's prometheus)"
  run promtool test rules "$PROM/alerts.test.yml"
  echo "$output"
  [ "$status" -eq 0 ]
  # Every rule of alerts.yml has a test case.
  local alert
  while read -r alert; do
    grep -q "alertname: $alert$" "$PROM/alerts.test.yml" || { echo "no test for $alert"; false; }
  done < <(sed -n 's/^ *- alert: //p' "$PROM/alerts.yml")
}

@test "the issue's alerts are all there" {
  local alert
  for alert in OrderRejectsHigh OrdersWithUnknownOutcome VenueDisconnected VenueRateLimitPauses ConsumerLagHigh \
    DiskAlmostFull DatabaseDown ClockOffsetToVenue RiskHalted; do
    grep -q "^ *- alert: $alert$" "$PROM/alerts.yml" || { echo "no alert $alert"; false; }
  done
}

# The jts_* metrics the rules read that no service exports yet: the rules are tested
# on synthetic series and wait for their exporters. Shrink this list, never grow it.
NOT_YET_EXPORTED=""

@test "every jts_* metric an alert reads is exported by a service, or listed as not yet exported" {
  local metric
  while read -r metric; do
    if grep -rq --include='*.ts' --exclude='*.test.ts' "\"$metric\"" "$REPO/services"; then
      [[ " $NOT_YET_EXPORTED " != *" $metric "* ]] || { echo "$metric is exported now: take it off the list"; false; }
    else
      [[ " $NOT_YET_EXPORTED " == *" $metric "* ]] || { echo "no service exports $metric"; false; }
    fi
  done < <(grep -o 'jts_[a-z_]*' "$PROM/alerts.yml" | sort -u)
}

@test "compose.yaml mounts the rules Prometheus loads and Alertmanager's config" {
  grep -q '\./host/docker/prometheus/alerts.yml:/etc/prometheus/alerts.yml:ro' "$REPO/compose.yaml"
  grep -q '\./host/docker/alertmanager/alertmanager.yml:/etc/alertmanager/alertmanager.yml:ro' "$REPO/compose.yaml"
}

@test "alertmanager.yml passes amtool check-config" {
  command -v amtool >/dev/null || skip "amtool is not installed (host/test/run installs Debian's prometheus-alertmanager)"
  run amtool check-config "$REPO/host/docker/alertmanager/alertmanager.yml"
  echo "$output"
  [ "$status" -eq 0 ]
}

@test "the Grafana dashboard has a panel on every metric an alert rule reads" {
  local metric exprs
  exprs=$(py -c 'import json, sys
print("\n".join(t["expr"] for p in json.load(open(sys.argv[1]))["panels"] for t in p["targets"]))' "$REPO/host/docker/grafana/dashboards/jts.json")
  while read -r metric; do
    grep -q "$metric" <<<"$exprs" || { echo "no dashboard panel reads $metric"; false; }
  done < <(grep -oE '(jts|node)_[a-z_]+' "$PROM/alerts.yml" | sort -u)
}

@test "Prometheus scrapes the venue connectors in a job of their own, on the ports their configs read" {
  local v port
  for v in binance:3011 upbit:3012 kis:3013 creon:3014; do
    port=${v#*:} v=${v%%:*}
    grep -q "targets: \[\"broker-$v:$port\"\]" "$PROM/prometheus.yml" || { echo "broker-$v:$port is not scraped"; false; }
    grep -q "${v^^}_PORT: int($port" "$REPO/services/brokers/$v/src/config.ts" || { echo "broker-$v does not listen on $port"; false; }
    # It answers Prometheus' Host (any other gets 421).
    grep -qE "^  JTS_ALLOWED_HOSTS: .*broker-$v(,|$)" "$REPO/compose.yaml" || { echo "broker-$v is not in JTS_ALLOWED_HOSTS"; false; }
  done
  # ServiceDown reads job="jts" only: a connector whose profile is off raises nothing.
  grep -q 'up{job="jts"} == 0' "$PROM/alerts.yml"
}
