#!/usr/bin/env bats
# The TLS terminator of compose.yaml (host/docker/proxy): the Caddy config its entry
# point writes, checked by Debian's caddy (`caddy adapt --validate`), and Caddy run
# here on free ports in front of a small Bun upstream: the LAN certificate comes from
# Caddy's own CA made on first start, plain HTTP redirects to the published HTTPS
# port, and a WebSocket upgrade passes through. The compose test (host/docker/ci/run)
# does the same through the real stack.

load helpers

ENTRY="$REPO/host/docker/proxy/entrypoint"

teardown() {
  local f
  for f in "$BATS_TEST_TMPDIR"/*.pid; do
    if [ -f "$f" ]; then kill "$(cat "$f")" 2>/dev/null || true; fi
  done
}

need_caddy() { command -v caddy >/dev/null || skip "caddy is not installed (host/test/run installs Debian's caddy)"; }
free_port() { py -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do (exec 9<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }

# validate: the config the entry point prints for the current environment, as Caddy reads it.
validate() {
  "$ENTRY" --print >"$BATS_TEST_TMPDIR/Caddyfile"
  caddy adapt --adapter caddyfile --config "$BATS_TEST_TMPDIR/Caddyfile" --validate >"$BATS_TEST_TMPDIR/caddy.json"
}

@test "the default config serves localhost from Caddy's own CA and only redirects plain HTTP" {
  need_caddy
  unset JTS_TLS_NAMES JTS_PUBLIC_HOST JTS_ACME_EMAIL JTS_HTTPS_HOST_PORT
  validate
  run cat "$BATS_TEST_TMPDIR/Caddyfile"
  [[ "$output" == *"https://localhost {"* ]]
  [[ "$output" == *"tls internal"* ]]
  [[ "$output" == *"redir https://{host}{uri} 308"* ]]
  [[ "$output" == *"reverse_proxy web:5173"* ]]
  [[ "$output" != *"Strict-Transport-Security"* ]]
}

@test "LAN names and addresses share the local CA; a public name gets ACME and HSTS; the redirect names the published port" {
  need_caddy
  JTS_TLS_NAMES="jts.lan, 192.168.1.20" JTS_PUBLIC_HOST=jts.example.org JTS_ACME_EMAIL=ops@example.org \
    JTS_HTTPS_HOST_PORT=8443 validate
  run cat "$BATS_TEST_TMPDIR/Caddyfile"
  [[ "$output" == *"https://localhost, https://jts.lan, https://192.168.1.20 {"* ]]
  [[ "$output" == *"default_sni 192.168.1.20"* ]]
  [[ "$output" == *"email ops@example.org"* ]]
  [[ "$output" == *"redir https://{host}:8443{uri} 308"* ]]
  # Caddy's own reading: the LAN names use the internal issuer, the public name does not.
  py - "$BATS_TEST_TMPDIR/caddy.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
policies = c["apps"]["tls"]["automation"]["policies"]
internal = [p for p in policies if any(i.get("module") == "internal" for i in p.get("issuers", []))]
assert internal and set(internal[0]["subjects"]) == {"localhost", "jts.lan", "192.168.1.20"}, policies
assert not any("jts.example.org" in p.get("subjects", []) for p in internal), policies
PY
}

@test "names that are not host names or addresses are refused before Caddy starts" {
  JTS_TLS_NAMES='jts.lan;evil' run "$ENTRY" --print
  [ "$status" -eq 1 ]
  [[ "$output" == *"JTS_TLS_NAMES: 'jts.lan;evil' is not a host name or address"* ]]
  JTS_PUBLIC_HOST=203.0.113.7 run "$ENTRY" --print
  [ "$status" -eq 1 ]
  [[ "$output" == *"not a public DNS name"* ]]
  JTS_PUBLIC_HOST='jts.example.org {' run "$ENTRY" --print
  [ "$status" -eq 1 ]
  # Caddy reads {$VAR} in its config: nothing that could name one reaches it.
  # shellcheck disable=SC2016 # the literal {$HOME} is the point: it must be refused, not expanded
  JTS_ACME_EMAIL='ops@{$HOME}.org' run "$ENTRY" --print
  [ "$status" -eq 1 ]
  [[ "$output" == *"JTS_ACME_EMAIL"* ]]
  # shellcheck disable=SC2016 # as above
  JTS_ACME_CA='https://acme.example.org/{$HOME}' run "$ENTRY" --print
  [ "$status" -eq 1 ]
  [[ "$output" == *"JTS_ACME_CA"* ]]
  JTS_ACME_CA='https://acme-staging-v02.api.letsencrypt.org/directory' JTS_ACME_EMAIL='ops+jts@example.org' run "$ENTRY" --print
  [ "$status" -eq 0 ]
  JTS_TLS_NAMES=jts.example.org JTS_PUBLIC_HOST=jts.example.org run "$ENTRY" --print
  [ "$status" -eq 1 ]
  [[ "$output" == *"name it once"* ]]
}

@test "names are never file name patterns: [::1] stays an address and * is refused, whatever the directory holds" {
  # Unquoted word splitting also globs: in a directory holding a file "1", [::1] became "1".
  cd "$BATS_TEST_TMPDIR"
  touch 1 jts.lan
  JTS_TLS_NAMES='[::1]' run "$ENTRY" --print
  [ "$status" -eq 0 ]
  [[ "$output" == *"https://localhost, https://[::1] {"* ]]
  [[ "$output" == *"default_sni [::1]"* ]]
  JTS_TLS_NAMES='*' run "$ENTRY" --print
  [ "$status" -eq 1 ]
  [[ "$output" == *"JTS_TLS_NAMES: '*' is not a host name or address"* ]]
}

@test "Caddy in front of an upstream: TLS from its CA, plain HTTP redirected, X-Forwarded-Proto https, WebSocket passes" {
  need_caddy
  command -v bun >/dev/null || skip "bun is not installed"
  local up http https
  up=$(free_port) http=$(free_port) https=$(free_port)
  # The upstream answers with the forwarded headers it got, and echoes WebSocket messages.
  cat >"$BATS_TEST_TMPDIR/upstream.ts" <<'TS'
Bun.serve({
  hostname: "127.0.0.1",
  port: Number(process.argv[2]),
  fetch(req, server) {
    if (server.upgrade(req)) return;
    return Response.json({ proto: req.headers.get("x-forwarded-proto"), for: req.headers.get("x-forwarded-for") });
  },
  websocket: { message: (ws, message) => ws.send(`echo:${message}`) },
});
TS
  bun "$BATS_TEST_TMPDIR/upstream.ts" "$up" >/dev/null 2>&1 3>&- &
  echo $! >"$BATS_TEST_TMPDIR/upstream.pid"
  mkdir -p "$BATS_TEST_TMPDIR/data" "$BATS_TEST_TMPDIR/config"
  XDG_DATA_HOME="$BATS_TEST_TMPDIR/data" XDG_CONFIG_HOME="$BATS_TEST_TMPDIR/config" HOME="$BATS_TEST_TMPDIR" \
    JTS_PROXY_UPSTREAM="127.0.0.1:$up" JTS_PROXY_HTTP_PORT=$http JTS_PROXY_HTTPS_PORT=$https JTS_HTTPS_HOST_PORT=$https \
    "$ENTRY" >"$BATS_TEST_TMPDIR/caddy.log" 2>&1 3>&- &
  echo $! >"$BATS_TEST_TMPDIR/caddy.pid"
  wait_port "$up"
  wait_port "$https" || { cat "$BATS_TEST_TMPDIR/caddy.log"; false; }
  local ca="$BATS_TEST_TMPDIR/data/caddy/pki/authorities/local/root.crt"
  for _ in $(seq 100); do [ -s "$ca" ] && break; sleep 0.1; done
  [ -s "$ca" ] || { echo "no local CA at $ca"; cat "$BATS_TEST_TMPDIR/caddy.log"; false; }

  # Trusted through the CA alone (no -k), and only through it.
  run curl -sS --retry 20 --retry-delay 0 --retry-all-errors --cacert "$ca" --resolve "localhost:$https:127.0.0.1" "https://localhost:$https/x"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *'"proto":"https"'* && "$output" == *'"for":"127.0.0.1"'* ]]
  run curl -sS -o /dev/null --resolve "localhost:$https:127.0.0.1" "https://localhost:$https/x"
  [ "$status" -ne 0 ]
  # A client's own X-Forwarded-For is not passed on as the truth.
  run curl -sS --cacert "$ca" -H 'X-Forwarded-For: 6.6.6.6' --resolve "localhost:$https:127.0.0.1" "https://localhost:$https/"
  [[ "$output" == *'"for":"127.0.0.1"'* ]]
  # Nor its own X-Forwarded-Proto: the scheme is the one Caddy served.
  run curl -sS --cacert "$ca" -H 'X-Forwarded-Proto: http' --resolve "localhost:$https:127.0.0.1" "https://localhost:$https/"
  [[ "$output" == *'"proto":"https"'* ]]

  run curl -sS -o /dev/null -w '%{http_code} %{redirect_url}' "http://127.0.0.1:$http/orders?id=1"
  [ "$output" = "308 https://127.0.0.1:$https/orders?id=1" ]

  NODE_EXTRA_CA_CERTS=$ca run bun -e "
    const ws = new WebSocket('wss://localhost:$https/ws');
    const reply = await new Promise((resolve, reject) => {
      ws.onopen = () => ws.send('ping');
      ws.onmessage = (event) => resolve(event.data);
      ws.onerror = () => reject(new Error('WebSocket failed'));
      setTimeout(() => reject(new Error('no reply')), 5000);
    });
    ws.close();
    console.log(reply);"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$output" = "echo:ping" ]
}
