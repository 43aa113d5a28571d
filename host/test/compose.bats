#!/usr/bin/env bats
# compose.yaml, the one Dockerfile, Prometheus and Grafana files, and `just up`.
# No Docker engine runs here: the file is validated and rendered by docker-compose
# 1.29 (`config` needs no engine), with a throwaway .env made from .env.example.

load helpers

setup() {
  command -v docker-compose >/dev/null || skip "docker-compose is not installed (host/test/run installs it)"
  WORK="$BATS_TEST_TMPDIR/repo"
  mkdir -p "$WORK"
  cp "$REPO/compose.yaml" "$REPO/compose.secrets.yaml" "$REPO/.env.example" "$WORK/"
  # docker-compose 1.29 wants every build context to exist (the proxy's is its own directory).
  mkdir -p "$WORK/host/docker" && cp -r "$REPO/host/docker/proxy" "$WORK/host/docker/"
  cp "$REPO/.env.example" "$WORK/.env"
  # Host-specific values come from the shell in `just up`; keep the runner's out. So are the
  # test servers' credentials `just test` exports (NATS_PASSWORD, KAFKA_SASL_*, ...): docker-compose
  # prefers the environment to .env, so every variable .env.example names goes too.
  unset "${!JTS_@}" 2>/dev/null || true
  local name
  while IFS= read -r name; do unset "$name"; done < <(sed -n 's/^\([A-Z_][A-Z0-9_]*\)=.*/\1/p' "$REPO/.env.example")
}

teardown() {
  if [ -f "$BATS_TEST_TMPDIR/http.pid" ]; then kill "$(cat "$BATS_TEST_TMPDIR/http.pid")" 2>/dev/null || true; fi
}

render() { (cd "$WORK" && docker-compose -f compose.yaml config); }

# query PYTHON-EXPRESSION: evaluated with `c` = the compose file as rendered once per
# test (set the environment before the first query), and
# vols(service) = its volumes as (source, target) whatever syntax the renderer uses.
query() {
  [ -s "$BATS_TEST_TMPDIR/rendered.yml" ] || render >"$BATS_TEST_TMPDIR/rendered.yml"
  py -c 'import sys, yaml
c = yaml.safe_load(open(sys.argv[1]))
def vols(s):
    return [(v["source"], v["target"]) if isinstance(v, dict) else tuple(v.split(":")[:2]) for v in c["services"][s].get("volumes", [])]
r = eval(sys.argv[2])
print("\n".join(map(str, r)) if isinstance(r, (list, tuple)) else r)' "$BATS_TEST_TMPDIR/rendered.yml" "$1"
}

# Arrays named outside JTS_*: setup() unsets every JTS_* variable (the runner's), which
# once emptied these lists and made the loops over them check nothing.
APP_SERVICES=(api-gateway strategy-engine risk-management order-execution market-data-collector portfolio-tracker
  notification-service broker-paper broker-sim web)
SERVERS=(postgres clickhouse kafka redis mongodb nats prometheus grafana)

@test "compose.yaml validates with docker-compose config and a .env made from .env.example" {
  run render
  echo "$output" | tail -n 5
  [ "$status" -eq 0 ]
  [[ "$output" == *"services:"* ]]
}

@test "compose.yaml refuses to render without the secrets of a .env" {
  rm "$WORK/.env"
  run render
  [ "$status" -ne 0 ]
  [[ "$output" == *"set "*" in .env"* ]]
}

@test "every JTS service and every server is there, and each has a health check" {
  run query 'sorted(c["services"])'
  [ "$status" -eq 0 ]
  local s
  for s in "${APP_SERVICES[@]}" "${SERVERS[@]}"; do grep -qx "$s" <<<"$output" || { echo "no service $s"; false; }; done
  run query '[n for n, s in c["services"].items() if not s.get("healthcheck", {}).get("test")]'
  [ -z "$output" ]
}

@test "every JTS service runs from the one Dockerfile and image, on its port, answering its /health" {
  local s entry port
  for s in "${APP_SERVICES[@]}"; do
    [ "$(query "c['services']['$s']['build']['dockerfile']")" = host/docker/Dockerfile ]
    [ "$(query "c['services']['$s']['image']")" = jts:local ]
    entry=$(query "c['services']['$s']['command'][1]")
    [ -f "$REPO/$entry" ] || { echo "$s runs $entry, which does not exist"; false; }
    port=$(query "[v for k, v in c['services']['$s']['environment'].items() if k.endswith('_PORT')][0]")
    [ "$(query "c['services']['$s']['environment']['JTS_HEALTH_URL']")" = "http://127.0.0.1:$port/$([ "$s" = web ] || echo health)" ]
    # The port is the one the service reads, under the name its main.ts reads.
    grep -q "$(query "[k for k in c['services']['$s']['environment'] if k.endswith('_PORT')][0]")" "$REPO/$entry"
  done
  [ "$(query "c['services']['api-gateway']['environment']['JTS_HOST']")" = 0.0.0.0 ]
  [ "$(query "c['services']['order-execution']['environment']['DATABASE_URL']")" = postgres://jts:CHANGE-ME-example-postgres-password@postgres:5432/jts ]
  [[ "$(query "c['services']['market-data-collector']['environment']['CLICKHOUSE_URL']")" == http://jts:*@clickhouse:8123 ]]
  [ "$(query "c['services']['web']['environment']['JTS_GATEWAY_URL']")" = http://api-gateway:3000 ]
}

@test "every service that reads a database (and migrates it) starts only once that database is healthy" {
  local s entry var server checked=0
  for s in "${APP_SERVICES[@]}"; do
    entry=$(query "c['services']['$s']['command'][1]")
    for var in DATABASE_URL:postgres MONGO_URL:mongodb CLICKHOUSE_URL:clickhouse; do
      grep -q "${var%%:*}" "$REPO/$entry" || continue
      server=${var#*:}
      [ "$(query "c['services']['$s'].get('depends_on', {}).get('$server', {}).get('condition')")" = service_healthy ] ||
        { echo "$s reads ${var%%:*} but does not wait for $server to be healthy"; false; }
      checked=$((checked + 1))
    done
  done
  [ "$checked" -ge 6 ] # api-gateway, strategy-engine, risk, order-execution, collector, portfolio
}

@test "the published host ports move with JTS_*_HOST_PORT (CI runs beside other servers)" {
  export JTS_GATEWAY_HOST_PORT=41000 JTS_WEB_HOST_PORT=41001 JTS_PROMETHEUS_HOST_PORT=41002 JTS_GRAFANA_HOST_PORT=41003
  export JTS_HTTPS_HOST_PORT=41004 JTS_HTTP_HOST_PORT=41005
  run query '[str(p) for s in c["services"].values() for p in s.get("ports", [])]'
  [[ "$output" == *41000* && "$output" == *41001* && "$output" == *41002* && "$output" == *41003* ]]
  [[ "$output" == *41004* && "$output" == *41005* ]]
  refute grep -qE '(3000|5173|9090|3100|443|80)$' <<<"$(query '[str(p.get("published") if isinstance(p, dict) else p.split(":")[-2]) for s in c["services"].values() for p in s.get("ports", [])]')"
  # The proxy redirects plain HTTP to the port HTTPS is published on.
  [ "$(query "c['services']['proxy']['environment']['JTS_HTTPS_HOST_PORT']")" = 41004 ]
}

@test "TLS: the proxy alone is published beyond 127.0.0.1 (JTS_WEB_BIND), built from Debian's caddy, its CA on a volume" {
  export JTS_WEB_BIND=0.0.0.0
  run query '[(n, str(p.get("host_ip") if isinstance(p, dict) else p.split(":")[0])) for n, s in c["services"].items() for p in s.get("ports", [])]'
  echo "$output"
  [ "$(grep -c "'proxy', '0.0.0.0'" <<<"$output")" -eq 2 ]
  [ "$(grep -vc "'127.0.0.1'" <<<"$output")" -eq 2 ]
  [ "$(query "c['services']['proxy']['build']['context']")" = "$WORK/host/docker/proxy" ] ||
    [ "$(query "c['services']['proxy']['build']['context']")" = host/docker/proxy ]
  [ "$(query "c['services']['proxy']['build']['args']['BASE_IMAGE']")" = debian:bookworm-slim ]
  grep -q 'apt-get install .*caddy' "$REPO/host/docker/proxy/Dockerfile"
  [ "$(query "[t for s, t in vols('proxy')]")" = /data ]
  [ "$(query "c['services']['proxy']['depends_on']['web']['condition']")" = service_healthy ]
  [ "$(query "c['services']['web']['environment']['JTS_WEB_TRUSTED_PROXIES']")" = 172.30.58.11 ]
}

@test "the servers' data lives on the mount points host/provision makes" {
  source "$REPO/host/provision.d/common.sh"
  source "$REPO/host/provision.d/layout.sh"
  local pair
  for pair in postgres:lv_postgres:/var/lib/postgresql clickhouse:lv_clickhouse:/var/lib/clickhouse \
    kafka:lv_kafka:/var/lib/kafka/data mongodb:lv_mongodb:/data/db redis:lv_redis:/data \
    postgres:lv_backup:/backup/postgresql clickhouse:lv_backup:/backup/clickhouse; do
    IFS=: read -r svc lv target <<<"$pair"
    run query "[src for src, dst in vols('$svc') if dst == '$target']"
    [[ "$output" == "${V_MOUNT[$lv]}"* ]] || { echo "$svc $target comes from '$output', not ${V_MOUNT[$lv]}"; false; }
  done
}

@test "every container has a memory limit; the JTS services a CPU limit" {
  run query '[n for n, s in c["services"].items() if not s.get("deploy", {}).get("resources", {}).get("limits", {}).get("memory")]'
  [ -z "$output" ]
  local s
  for s in "${APP_SERVICES[@]}"; do [ "$(query "c['services']['$s']['deploy']['resources']['limits']['cpus']")" = 1.0 ]; done
}

@test "Kafka runs in KRaft mode with the spec's settings by default" {
  run query 'c["services"]["kafka"]["environment"]'
  [[ "$output" == *"'KAFKA_PROCESS_ROLES': 'broker,controller'"* ]]
  [[ "$output" == *"'KAFKA_LOG_SEGMENT_BYTES': '1073741824'"* ]]
  [[ "$output" == *"'KAFKA_COMPRESSION_TYPE': 'lz4'"* ]]
  [[ "$output" == *"'KAFKA_LOG_RETENTION_HOURS': '168'"* ]]
  [[ "$output" == *"'KAFKA_LOG_RETENTION_BYTES': '9663676416'"* ]]
  [[ "$output" == *"'KAFKA_NUM_IO_THREADS': '16'"* ]]
  [[ "$output" == *"'KAFKA_NUM_NETWORK_THREADS': '8'"* ]]
  [[ "$output" == *"'KAFKA_AUTO_CREATE_TOPICS_ENABLE': 'false'"* ]]
}

@test "the internal plane is locked: service credential, allowed hosts, NATS user/password, Kafka SASL/SCRAM" {
  local s
  for s in "${APP_SERVICES[@]}"; do
    [ "$s" = web ] && continue
    [ "$(query "c['services']['$s']['environment']['JTS_SERVICE_TOKEN']")" = CHANGE-ME-example-service-token-not-a-real-one ]
    [[ ",$(query "c['services']['$s']['environment']['JTS_ALLOWED_HOSTS']")," == *",$s,"* ]] || { echo "$s not in JTS_ALLOWED_HOSTS"; false; }
    [ "$(query "c['services']['$s']['environment']['NATS_USER']")" = jts ]
    [ "$(query "c['services']['$s']['environment']['KAFKA_SASL_USERNAME']")" = jts ]
  done
  [[ "$(query 'c["services"]["nats"]["command"]')" == *"--pass"*"CHANGE-ME-example-nats-password"* ]]
  run query 'c["services"]["kafka"]["environment"]'
  [[ "$output" == *"'KAFKA_LISTENERS': 'SASL_PLAINTEXT://0.0.0.0:9092,CONTROLLER://127.0.0.1:9093'"* ]]
  [[ "$output" == *"'KAFKA_SASL_ENABLED_MECHANISMS': 'SCRAM-SHA-256'"* ]]
  [[ "$output" == *"'KAFKA_LISTENER_SECURITY_PROTOCOL_MAP': 'SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT'"* ]]
  [[ "$(query 'c["services"]["kafka"]["command"]')" == *"--add-scram"* ]]
  rm "$WORK/.env" && grep -v '^JTS_SERVICE_TOKEN=' "$REPO/.env.example" >"$WORK/.env"
  run render
  [ "$status" -ne 0 ]
  [[ "$output" == *"set JTS_SERVICE_TOKEN in .env"* ]]
}

@test "the compose.env host/provision writes sets the limits and Kafka threads" {
  local root="$BATS_TEST_TMPDIR/root"
  "$PROVISION" apply --root "$root" --only configs --profile 64g:16 >/dev/null
  set -a
  # shellcheck source=/dev/null
  . "$root/etc/jts/compose.env"
  set +a
  run query 'c["services"]["kafka"]["environment"]["KAFKA_NUM_IO_THREADS"]'
  [ "$output" = 32 ]
  run query 'c["services"]["kafka"]["environment"]["KAFKA_HEAP_OPTS"]'
  [ "$output" = "-Xms6g -Xmx6g" ]
  run query 'c["services"]["postgres"]["deploy"]["resources"]["limits"]["memory"]'
  [ "$output" = 48g ]
  run query 'vols("postgres")'
  [[ "$output" == *"('/etc/jts/postgresql/postgresql.conf', '/etc/postgresql/postgresql.conf')"* ]]
}

@test ".env.example holds only obvious placeholders, and .env never enters an image" {
  local line key value
  while IFS= read -r line; do
    [[ "$line" =~ ^([A-Z_]+)=(.*)$ ]] || continue
    key=${BASH_REMATCH[1]} value=${BASH_REMATCH[2]}
    if [[ "$key" == *PASSWORD* || "$key" == *SECRET* || "$key" == *CLUSTER_ID* ]]; then
      # The stack's own secrets are placeholders; a connector's or channel's stays empty until used.
      [[ "$value" == CHANGE-ME-example-* || -z "$value" ]] || { echo "$key is not a placeholder"; false; }
    fi
  done <"$REPO/.env.example"
  grep -qx '.env' "$REPO/host/docker/Dockerfile.dockerignore"
  grep -qx '!.env.example' "$REPO/host/docker/Dockerfile.dockerignore"
  refute grep -qiE '(password|secret)[^$]*: [^$ ]' "$REPO/compose.yaml"
}

@test "just up refuses a missing .env and placeholder secrets before touching Docker" {
  command -v just >/dev/null || skip "just is not installed"
  rm "$WORK/.env"
  run just --justfile "$REPO/justfile" --working-directory "$WORK" up
  [ "$status" -ne 0 ]
  [[ "$output" == *".env is missing: cp .env.example .env"* ]]
  cp "$WORK/.env.example" "$WORK/.env"
  run just --justfile "$REPO/justfile" --working-directory "$WORK" up
  [ "$status" -ne 0 ]
  [[ "$output" == *".env still holds CHANGE-ME placeholders"* ]]
  sed -i 's/CHANGE-ME-example/real-looking-test/; s/^KAFKA_CLUSTER_ID=.*/KAFKA_CLUSTER_ID=abcdefghijklmnopqrstuv/' "$WORK/.env"
  sed -i 's/CHANGE-ME-example/real-looking-test/g' "$WORK/.env"
  echo "JTS_CONFIG_DIR=$BATS_TEST_TMPDIR/no-configs" >>"$WORK/.env"
  run just --justfile "$REPO/justfile" --working-directory "$WORK" up
  [ "$status" -ne 0 ]
  [[ "$output" == *"no-configs/compose.env is missing: run \`just provision apply ...\` first"* ]]
}

# env_check LINE...: host/docker/env-check on .env.example with real-looking secrets and LINEs appended.
env_check() {
  sed 's/CHANGE-ME-example-[a-z-]*/real-looking-secret-0123456789abcdef/' "$REPO/.env.example" >"$WORK/.env"
  printf '%s\n' "$@" >>"$WORK/.env"
  run "$REPO/host/docker/env-check" "$WORK/.env"
}

@test "env-check: .env.example with its secrets set passes; live trading is off and no connector starts" {
  env_check
  [ "$status" -eq 0 ]
  run query 'c["services"]["portfolio-tracker"]["environment"]["JTS_LIVE_TRADING"]'
  [ "$output" = disabled ]
  run query 'c["services"]["order-execution"]["environment"]["ORDER_ROUTES"]'
  [ "$output" = "" ]
  run query 'all(c["services"]["broker-" + v].get("profiles", []) == [v] for v in ["binance", "upbit", "kis", "creon"])'
  [ "$output" = True ]
}

@test "env-check: a chosen profile without its keys is refused, every missing key named" {
  env_check COMPOSE_PROFILES=binance,kis KIS_APP_KEY=k
  [ "$status" -eq 1 ]
  [[ "$output" == *"missing in $WORK/.env: BINANCE_API_KEY BINANCE_API_SECRET KIS_APP_SECRET KIS_ACCOUNT"* ]]
  env_check COMPOSE_PROFILES=creon CREON_BRIDGE_URL=http://10.0.0.5:8765 CREON_BRIDGE_SECRET=s CREON_ACCOUNT=12345678
  [ "$status" -eq 0 ]
  env_check COMPOSE_PROFILES=bitmex
  [ "$status" -eq 1 ]
  [[ "$output" == *"COMPOSE_PROFILES names bitmex, which is not a profile"* ]]
}

@test "env-check: a route to a connector that is not started, half a channel and a bad switch are refused" {
  env_check ORDER_ROUTES=binance:binance,sim:paper TELEGRAM_BOT_TOKEN=t NOTIFY_WEBHOOK_URL=https://h.example/x \
    NOTIFY_WEBHOOK_SECRET=short JTS_LIVE_TRADING=yes NOTIFY_SMTP_HOST=mail
  [ "$status" -eq 1 ]
  [[ "$output" == *"ORDER_ROUTES sends binance orders to broker binance, but COMPOSE_PROFILES does not start it"* ]]
  [[ "$output" == *"missing in $WORK/.env: TELEGRAM_CHAT_ID NOTIFY_SMTP_TO"* ]]
  [[ "$output" == *"NOTIFY_WEBHOOK_SECRET must be 16+ characters"* ]]
  [[ "$output" == *"JTS_LIVE_TRADING must be disabled (the default) or enabled"* ]]
  refute grep -q sim <<<"$output"
}

@test "env-check: the internal plane's secrets are required, and one shorter than the services accept is named" {
  env_check
  [ "$status" -eq 0 ]
  JTS_SERVICE_TOKEN='' NATS_PASSWORD='' KAFKA_PASSWORD='' run "$REPO/host/docker/env-check" "$WORK/.env"
  [ "$status" -eq 1 ]
  [[ "$output" == *"missing in $WORK/.env: JTS_SERVICE_TOKEN NATS_PASSWORD KAFKA_PASSWORD"* ]]
  env_check JTS_SERVICE_TOKEN=0123456789abcdef0123456 JTS_ADMIN_PASSWORD=short-pass1
  [ "$status" -eq 1 ]
  [[ "$output" == *"JTS_SERVICE_TOKEN must be 24+ characters (it has 23)"* ]]
  [[ "$output" == *"JTS_ADMIN_PASSWORD must be 12+ characters (it has 11)"* ]]
  refute grep -q NATS_PASSWORD <<<"$output"
}

@test "env-check: a value from the environment wins over .env, and a \$ in a password is not expanded" {
  # shellcheck disable=SC2016 # the $ must reach the file unexpanded
  env_check 'POSTGRES_PASSWORD=pa$$word$HOME'
  [ "$status" -eq 0 ]
  POSTGRES_PASSWORD='' run "$REPO/host/docker/env-check" "$WORK/.env"
  [ "$status" -eq 1 ]
  [[ "$output" == *"missing in $WORK/.env: POSTGRES_PASSWORD"* ]]
}

@test "compose profiles start each connector with its keys, on its port" {
  local v port
  for v in binance:3011 upbit:3012 kis:3013 creon:3014; do
    port=${v#*:} v=${v%%:*}
    [ "$(query "c['services']['broker-$v']['environment']['${v^^}_PORT']")" = "$port" ]
    [ "$(query "c['services']['broker-$v']['environment']['JTS_HEALTH_URL']")" = "http://127.0.0.1:$port/health" ]
    grep -q "${v^^}_PORT" "$REPO/services/brokers/$v/src/config.ts"
  done
  export BINANCE_API_KEY=key-from-env
  rm -f "$BATS_TEST_TMPDIR/rendered.yml"
  [ "$(query "c['services']['broker-binance']['environment']['BINANCE_API_KEY']")" = key-from-env ]
}

@test "Prometheus scrapes every JTS service on its port; Grafana's datasource and JTS dashboard fit it" {
  local s port
  for s in "${APP_SERVICES[@]}"; do
    [ "$s" != web ] || continue # the web server serves files, it has no /metrics
    port=$(query "[v for k, v in c['services']['$s']['environment'].items() if k.endswith('_PORT')][0]")
    grep -q "targets: \[\"$s:$port\"\]" "$REPO/host/docker/prometheus/prometheus.yml" || { echo "$s:$port is not scraped"; false; }
  done
  py - "$REPO/host/docker" <<'EOF'
import json, sys, yaml
d = sys.argv[1]
yaml.safe_load(open(d + "/prometheus/prometheus.yml"))
ds = yaml.safe_load(open(d + "/grafana/provisioning/datasources/prometheus.yml"))["datasources"][0]
prov = yaml.safe_load(open(d + "/grafana/provisioning/dashboards/jts.yml"))["providers"][0]
assert prov["options"]["path"] == "/etc/grafana/dashboards", prov
dash = json.load(open(d + "/grafana/dashboards/jts.json"))
assert dash["uid"] == "jts-overview" and dash["panels"], dash.keys()
for p in dash["panels"]:
    assert p["datasource"]["uid"] == ds["uid"], p["title"]
    for t in p["targets"]:
        # The services, the connectors (rate limits, clock offsets) or the host (node-exporter).
        assert any(j in t["expr"] for j in ('job="jts"', 'job=~"jts|connectors"', 'job="node"')), t["expr"]
print(len(dash["panels"]), "panels")
EOF
}

@test "the Dockerfile's manifest stage finds exactly the workspaces bun.lock locks" {
  # The same find as host/docker/Dockerfile, on this tree (node_modules excluded as
  # Dockerfile.dockerignore does), against the workspaces recorded in bun.lock.
  local found locked
  found=$(cd "$REPO" && find . -name package.json -not -path '*/node_modules/*' -not -path ./package.json \
    -not -path './.data/*' | sed 's|^\./||; s|/package.json$||' | sort)
  locked=$(py -c 'import json, re, sys
text = re.sub(r",(\s*[}\]])", r"\1", open(sys.argv[1]).read())
print("\n".join(sorted(k for k in json.loads(text)["workspaces"] if k)))' "$REPO/bun.lock")
  [ "$found" = "$locked" ]
  grep -q 'RUN bun install --frozen-lockfile' "$REPO/host/docker/Dockerfile"
  grep -q 'RUN bun run --cwd web build' "$REPO/host/docker/Dockerfile"
}

@test "the image's health check answers 0 for a live URL, 1 for a dead one, 2 without one" {
  command -v bun >/dev/null || skip "bun is not installed"
  local port pid
  port=$(py -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  # Started directly (so $! is the server) and without bats' output descriptor 3
  # (bats waits for every process holding it).
  if [ -x /usr/bin/python3 ]; then
    /usr/bin/python3 -m http.server "$port" --bind 127.0.0.1 --directory "$BATS_TEST_TMPDIR" >/dev/null 2>&1 3>&- &
  else
    python3 -m http.server "$port" --bind 127.0.0.1 --directory "$BATS_TEST_TMPDIR" >/dev/null 2>&1 3>&- &
  fi
  pid=$!
  echo "$pid" >"$BATS_TEST_TMPDIR/http.pid"
  for _ in $(seq 50); do (exec 9<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
  run bun "$REPO/host/docker/healthcheck.ts" "http://127.0.0.1:$port/"
  [ "$status" -eq 0 ]
  JTS_HEALTH_URL="http://127.0.0.1:$port/" run bun "$REPO/host/docker/healthcheck.ts"
  [ "$status" -eq 0 ]
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  run bun "$REPO/host/docker/healthcheck.ts" "http://127.0.0.1:$port/"
  [ "$status" -eq 1 ]
  JTS_HEALTH_URL='' run bun "$REPO/host/docker/healthcheck.ts"
  [ "$status" -eq 2 ]
}

@test "the gateway believes X-Forwarded-For only from the web and proxy containers, which have fixed addresses on the JTS subnet" {
  run query 'c["services"]["web"]["networks"]["default"]["ipv4_address"]'
  [ "$output" = "172.30.58.10" ]
  run query 'c["services"]["api-gateway"]["environment"]["TRUSTED_PROXIES"]'
  [ "$output" = "172.30.58.10,172.30.58.11" ]
  run query 'c["services"]["proxy"]["networks"]["default"]["ipv4_address"]'
  [ "$output" = "172.30.58.11" ]
  run query 'c["networks"]["default"]["ipam"]["config"][0]["subnet"]'
  [ "$output" = "172.30.58.0/24" ]
  # The others draw from a range without it, or the tenth container to start takes it.
  run query 'c["networks"]["default"]["ipam"]["config"][0]["ip_range"]'
  [ "$output" = "172.30.58.128/25" ]
  py -c 'import ipaddress, sys; assert ipaddress.ip_address(sys.argv[1]) not in ipaddress.ip_network(sys.argv[2])' 172.30.58.10 172.30.58.128/25
  py -c 'import ipaddress, sys; assert ipaddress.ip_address(sys.argv[1]) not in ipaddress.ip_network(sys.argv[2])' 172.30.58.11 172.30.58.128/25
}

@test "env-check: X_FILE stands in for X, its file read and checked like X; both set or an unreadable file is refused" {
  printf 'real-looking-secret-0123456789abcdef-jwt\n' >"$BATS_TEST_TMPDIR/jwt"
  env_check "JWT_SECRET=" "JWT_SECRET_FILE=$BATS_TEST_TMPDIR/jwt"
  [ "$status" -eq 0 ]
  # The file's content meets the same rules: a placeholder, a short token.
  printf 'CHANGE-ME-example-jwt\n' >"$BATS_TEST_TMPDIR/jwt"
  printf 'short\n' >"$BATS_TEST_TMPDIR/token"
  env_check "JWT_SECRET=" "JWT_SECRET_FILE=$BATS_TEST_TMPDIR/jwt" "JTS_SERVICE_TOKEN=" "JTS_SERVICE_TOKEN_FILE=$BATS_TEST_TMPDIR/token"
  [ "$status" -eq 1 ]
  [[ "$output" == *"CHANGE-ME placeholders: JWT_SECRET"* ]]
  [[ "$output" == *"JTS_SERVICE_TOKEN must be 24+ characters (it has 5)"* ]]
  # Both, and a file that is not there.
  env_check "JWT_SECRET_FILE=$BATS_TEST_TMPDIR/jwt" "BINANCE_API_KEY_FILE=$BATS_TEST_TMPDIR/nowhere" "COMPOSE_PROFILES=binance" "BINANCE_API_SECRET=s"
  [ "$status" -eq 1 ]
  [[ "$output" == *"JWT_SECRET and JWT_SECRET_FILE are both set: keep one"* ]]
  [[ "$output" == *"BINANCE_API_KEY_FILE names $BATS_TEST_TMPDIR/nowhere, which cannot be read here"* ]]
  [[ "$output" == *"missing in $WORK/.env: BINANCE_API_KEY"* ]]
  # A venue key from its file satisfies its profile.
  printf 'key-from-a-file\n' >"$BATS_TEST_TMPDIR/binance-key"
  env_check "COMPOSE_PROFILES=binance" "BINANCE_API_KEY_FILE=$BATS_TEST_TMPDIR/binance-key" "BINANCE_API_SECRET=s"
  [ "$status" -eq 0 ]
}

@test "compose.secrets.yaml: the JWT secret and venue keys as compose secrets, read through <NAME>_FILE, never beside a value" {
  printf 'real-looking-secret-0123456789abcdef-jwt\n' >"$BATS_TEST_TMPDIR/jwt"
  printf 'key\n' >"$BATS_TEST_TMPDIR/kis-key"
  sed -i 's/^JWT_SECRET=.*/JWT_SECRET=/' "$WORK/.env"
  printf '%s\n' "JWT_SECRET_FILE=$BATS_TEST_TMPDIR/jwt" "KIS_APP_KEY_FILE=$BATS_TEST_TMPDIR/kis-key" >>"$WORK/.env"
  (cd "$WORK" && docker-compose -f compose.yaml -f compose.secrets.yaml config) >"$BATS_TEST_TMPDIR/rendered.yml"
  [ "$(query "c['secrets']['jwt_secret']['file']")" = "$BATS_TEST_TMPDIR/jwt" ]
  [ "$(query "c['secrets']['kis_app_key']['file']")" = "$BATS_TEST_TMPDIR/kis-key" ]
  [ "$(query "c['secrets']['binance_api_key']['file']")" = /dev/null ]
  [ "$(query "c['services']['api-gateway']['environment']['JWT_SECRET_FILE']")" = /run/secrets/jwt_secret ]
  [ "$(query "c['services']['api-gateway']['environment']['JWT_SECRET']")" = "" ]
  [ "$(query "[s['source'] if isinstance(s, dict) else s for s in c['services']['api-gateway']['secrets']]")" = jwt_secret ]
  # Every secret the override mounts is one env-check knows to read from its file only, and
  # every variable it points at a file is one the service's config reads.
  local name
  for name in $(py -c 'import sys, yaml; print(" ".join(yaml.safe_load(open(sys.argv[1]))["secrets"]))' "$REPO/compose.secrets.yaml"); do
    grep -q "FILE_SECRETS=.*\b${name^^}\b" "$REPO/host/docker/env-check" || { echo "env-check does not know $name"; false; }
    grep -rq "${name^^}" "$REPO/services/api-gateway/src/config.ts" "$REPO"/services/brokers/*/src/config.ts || { echo "no service reads ${name^^}"; false; }
  done
  # A value left beside the override is refused before Docker is touched.
  env_check "COMPOSE_FILE=compose.yaml:compose.secrets.yaml" "JWT_SECRET_FILE=$BATS_TEST_TMPDIR/jwt"
  [ "$status" -eq 1 ]
  [[ "$output" == *"COMPOSE_FILE uses compose.secrets.yaml, which reads JWT_SECRET from JWT_SECRET_FILE"* ]]
}
