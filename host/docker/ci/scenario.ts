/**
 * The user's side of the compose test (host/docker/ci/run), through the PWA's origin
 * only (the web container serves the app and proxies /api to the gateway):
 *   bun host/docker/ci/scenario.ts place [--ws] --origin URL      log in, place a market order,
 *       wait until it is FILLED; prints its id. --ws: its FILLED update must also arrive on
 *       the origin's /ws (wss:// for an https origin), subscribed before the order is sent
 *   bun host/docker/ci/scenario.ts find ID --origin URL    log in, the order ID is FILLED
 *       and listed among the user's orders
 *   bun host/docker/ci/scenario.ts absent ID --origin URL  log in, the order ID is not there (404)
 * The admin's credentials come from JTS_ADMIN_USER and JTS_ADMIN_PASSWORD (the stack's
 * .env), never from the command line. An https origin is trusted through
 * NODE_EXTRA_CA_CERTS (the proxy's CA), never by turning verification off.
 * Exits 1 with the reason on stderr.
 */
import { parseArgs } from "node:util";

const { values, positionals } = parseArgs({
  args: Bun.argv.slice(2),
  options: { origin: { type: "string" }, ws: { type: "boolean", default: false } },
  allowPositionals: true,
});
const [command, orderId] = positionals;
const origin = values.origin;
const user = process.env.JTS_ADMIN_USER ?? "admin";
const password = process.env.JTS_ADMIN_PASSWORD;
const commands = ["place", "find", "absent"];
if (!origin || !password || !commands.includes(command ?? "") || (command !== "place" && !orderId)) {
  console.error("usage: scenario.ts place|find ID|absent ID --origin URL (JTS_ADMIN_PASSWORD in the environment)");
  process.exit(2);
}

function fail(message: string): never {
  console.error(`scenario: ${message}`);
  process.exit(1);
}

async function call(path: string, init: RequestInit & { token?: string } = {}) {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  const res = await fetch(`${origin}${path}`, { ...init, headers, signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: res.status, body: body as Record<string, unknown> };
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await Bun.sleep(500);
  }
  return fail(`${what}: not within ${timeoutMs / 1000} s${last ? ` (last error: ${last})` : ""}`);
}

// The origin serves the PWA itself, not only the proxied API.
const page = await fetch(`${origin}/`, { signal: AbortSignal.timeout(10_000) });
const html = await page.text();
if (page.status !== 200 || !html.includes("<html")) fail(`${origin}/ did not serve the PWA (HTTP ${page.status})`);

const token = await until("login", 30_000, async () => {
  const res = await call("/api/auth/login", { method: "POST", body: JSON.stringify({ username: user, password }) });
  if (res.status === 401 || res.status === 400) fail(`login refused: HTTP ${res.status} ${JSON.stringify(res.body)}`);
  return res.status === 200 ? (res.body.accessToken as string) : undefined;
});

async function filled(id: string, timeoutMs: number) {
  return until(`order ${id} FILLED`, timeoutMs, async () => {
    const res = await call(`/api/orders/${id}`, { token });
    return res.status === 200 && res.body.status === "FILLED" ? res.body : undefined;
  });
}

/**
 * The user's private order stream on /ws: authenticated with the access token and
 * subscribed to `orders` before this returns; `updated(id, status)` resolves when an
 * event for that order reaches that status.
 */
async function orderStream(accessToken: string) {
  const url = new URL("/ws", origin);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  const socket = new WebSocket(url.href);
  const seen: Array<{ id?: string; status?: string }> = [];
  const waiters: Array<() => void> = [];
  let subscribed: () => void = () => {};
  const ready = new Promise<void>((resolve, reject) => {
    subscribed = resolve;
    socket.onerror = () => reject(new Error(`WebSocket ${url.href} failed`));
    socket.onclose = (event) => reject(new Error(`WebSocket ${url.href} closed: ${event.code} ${event.reason}`));
    setTimeout(() => reject(new Error(`WebSocket ${url.href}: not subscribed within 15 s`)), 15_000);
  });
  socket.onopen = () => socket.send(JSON.stringify({ op: "auth", token: accessToken }));
  socket.onmessage = (event) => {
    const message = JSON.parse(String(event.data));
    if (message.op === "authed") socket.send(JSON.stringify({ op: "subscribe", channels: ["orders"] }));
    else if (message.op === "subscribed") subscribed();
    else if (message.op === "error") fail(`WebSocket error: ${message.code} ${message.message}`);
    else if (message.op === "event" && message.channel === "orders") {
      seen.push(message.data);
      for (const wake of waiters.splice(0)) wake();
    }
  };
  await ready.catch((error) => fail(String(error.message ?? error)));
  return {
    async updated(id: string, status: string, timeoutMs: number) {
      const deadline = Date.now() + timeoutMs;
      while (!seen.some((o) => o.id === id && o.status === status)) {
        if (Date.now() > deadline)
          fail(`no ${status} update for order ${id} on ${url.href} within ${timeoutMs / 1000} s`);
        await new Promise<void>((wake) => {
          waiters.push(wake);
          setTimeout(wake, 500);
        });
      }
      socket.close();
      return url.href;
    },
  };
}

if (command === "place") {
  const stream = values.ws ? await orderStream(token) : undefined;
  // The simulator venue needs a first price before it fills a market order.
  const order = await until("order accepted", 90_000, async () => {
    const res = await call("/api/orders", {
      method: "POST",
      token,
      body: JSON.stringify({
        clientOrderId: `compose-${Date.now().toString(36)}`,
        symbol: "005930",
        side: "BUY",
        type: "MARKET",
        quantity: "1",
      }),
    });
    if (res.status >= 400 && res.status < 500 && res.status !== 429) {
      fail(`order refused: HTTP ${res.status} ${JSON.stringify(res.body)}`);
    }
    return res.status === 201 ? res.body : undefined;
  });
  const done = await filled(order.id as string, 60_000);
  console.error(`scenario: order ${done.id} ${done.status}, ${done.filledQuantity ?? "?"} filled`);
  if (stream)
    console.error(
      `scenario: its FILLED update arrived on ${await stream.updated(done.id as string, "FILLED", 30_000)}`,
    );
  console.log(done.id);
} else if (command === "absent") {
  const res = await call(`/api/orders/${orderId}`, { token });
  if (res.status !== 404) fail(`order ${orderId}: HTTP ${res.status}, expected 404 (${JSON.stringify(res.body)})`);
  console.error(`scenario: order ${orderId} is not there (404)`);
} else {
  const id = orderId as string;
  const done = await filled(id, 30_000);
  const list = await call("/api/orders", { token });
  const orders = (Array.isArray(list.body) ? list.body : []) as Array<{ id?: string }>;
  if (!orders.some((o) => o.id === id)) fail(`order ${id} is not in GET /api/orders (HTTP ${list.status})`);
  console.error(`scenario: order ${done.id} found again, ${done.status}`);
}
