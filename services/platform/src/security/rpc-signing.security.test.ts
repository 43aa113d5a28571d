import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { AppError, randomServiceToken } from "@jts/kit";
import {
  connectNats,
  type Msg,
  type MsgHdrs,
  type NatsConnection,
  NatsRpc,
  natsHeaders,
  signRequest,
} from "@jts/kit/nats";
import { serverUrl } from "@jts/kit/testing";

/**
 * The rpc envelope as seen by whoever holds the bus password (issue 14 item 1,
 * attacker review finding 1): they read every message and may publish and
 * subscribe to anything, but do not hold the service credential. Real NATS,
 * this file's own subject namespace.
 */
const natsUrl = serverUrl("NATS_URL");
const decoder = new TextDecoder();
const encoder = new TextEncoder();

function copyHeaders(from: MsgHdrs | undefined, change: Record<string, string> = {}): MsgHdrs {
  const h = natsHeaders();
  for (const k of from?.keys() ?? []) h.set(k, from?.get(k) ?? "");
  for (const [k, v] of Object.entries(change)) h.set(k, v);
  return h;
}

describe.skipIf(!natsUrl)(`signed rpc on the bus${natsUrl ? "" : " (skipped: NATS_URL not set)"}`, () => {
  const prefix = `rpcsig${Date.now().toString(36)}`;
  const key = randomServiceToken();
  let server: NatsRpc;
  let client: NatsRpc;
  let attacker: NatsConnection;
  const sniffed: Msg[] = [];
  const ran: { state: unknown; actor: string | null }[] = [];

  beforeAll(async () => {
    server = new NatsRpc(await connectNats(natsUrl as string, "rpcsig-server"), { prefix, credential: key });
    client = new NatsRpc(await connectNats(natsUrl as string, "rpcsig-client"), { prefix, credential: key });
    attacker = await connectNats(natsUrl as string, "rpcsig-attacker");
    attacker.subscribe(`${prefix}.>`, { callback: (_e, msg) => sniffed.push(msg) });
    await server.serve("risk.set-state", (request, context) => {
      ran.push({ state: (request as { state: string }).state, actor: context.actor ?? null });
      return { state: (request as { state: string }).state };
    });
    // A slow real server, so a rogue's answer always arrives first.
    await server.serve("accounts", async () => {
      await Bun.sleep(30);
      return ["acc-real"];
    });
    await attacker.flush();
  });

  afterAll(async () => {
    await Promise.all([server.close(), client.close(), attacker.drain()]);
  });

  async function sendRaw(subject: string, data: Uint8Array, headers: MsgHdrs) {
    const reply = await attacker.request(subject, data, { headers, timeout: 3000 });
    return JSON.parse(decoder.decode(reply.data));
  }

  it("never puts the credential on the bus, and the actor is signed", async () => {
    sniffed.length = 0;
    expect(await client.request("risk.set-state", { state: "HALTED" }, { actor: "admin" })).toEqual({
      state: "HALTED",
    });
    const captured = sniffed.find((m) => m.subject === `${prefix}.risk.set-state`);
    expect(captured).toBeDefined();
    const seen = [...(captured?.headers?.keys() ?? [])].map((k) => `${k}: ${captured?.headers?.get(k)}`).join("\n");
    expect(seen).toContain("jts-sig");
    expect(seen).not.toContain(key);
    expect(decoder.decode(captured?.data)).not.toContain(key);
  });

  it("refuses a captured request replayed, re-attributed, altered or stale, and runs nothing", async () => {
    sniffed.length = 0;
    ran.length = 0;
    await client.request("risk.set-state", { state: "HALTED" }, { actor: "admin" });
    const captured = sniffed.find((m) => m.subject === `${prefix}.risk.set-state`) as Msg;
    const subject = captured.subject;
    const replayed = await sendRaw(subject, captured.data, copyHeaders(captured.headers));
    expect(replayed).toMatchObject({ ok: false, error: { code: "UNAUTHORIZED" } });
    const asAnother = await sendRaw(
      subject,
      captured.data,
      copyHeaders(captured.headers, { "jts-actor": "mallory", "jts-nonce": "fresh-nonce-1" }),
    );
    expect(asAnother).toMatchObject({ ok: false, error: { code: "UNAUTHORIZED" } });
    const altered = await sendRaw(subject, encoder.encode('{"state":"ACTIVE"}'), copyHeaders(captured.headers));
    expect(altered).toMatchObject({ ok: false, error: { code: "UNAUTHORIZED" } });
    // Correctly signed (as a credential holder would) but 31 s old: outside the freshness window.
    const timestamp = String(Date.now() - 31_000);
    const body = encoder.encode('{"state":"ACTIVE"}');
    const stale = natsHeaders();
    stale.set("jts-ts", timestamp);
    stale.set("jts-nonce", "stale-nonce-1");
    stale.set("jts-actor", "admin");
    stale.set("jts-sig", signRequest(key, { subject, timestamp, nonce: "stale-nonce-1", actor: "admin", body }));
    expect(await sendRaw(subject, body, stale)).toMatchObject({ ok: false, error: { code: "UNAUTHORIZED" } });
    expect(ran).toEqual([{ state: "HALTED", actor: "admin" }]);
  });

  it("never takes a rogue responder's answer: hearing every request, or joining the servers' queue group", async () => {
    const forged = new TextEncoder().encode(JSON.stringify({ ok: true, result: ["acc-forged"] }));
    const eavesdropper = await connectNats(natsUrl as string, "rpcsig-rogue");
    const overhearing = eavesdropper.subscribe(`${prefix}.accounts`, { callback: (_e, m) => m.respond(forged) });
    await eavesdropper.flush();
    for (let i = 0; i < 4; i++) expect(await client.request("accounts", {})).toEqual(["acc-real"]);
    overhearing.unsubscribe();
    // In the queue group the rogue takes a share of the requests away from the real server.
    eavesdropper.subscribe(`${prefix}.accounts`, { queue: "jts", callback: (_e, m) => m.respond(forged) });
    await eavesdropper.flush();
    const outcomes = await Promise.all(
      Array.from({ length: 12 }, () =>
        client.request("accounts", {}, { timeoutMs: 600 }).catch((e: unknown) => e as AppError),
      ),
    );
    await eavesdropper.drain();
    const answers = outcomes.filter((o) => !(o instanceof AppError));
    const refused = outcomes.filter((o): o is AppError => o instanceof AppError);
    expect(answers.every((a) => JSON.stringify(a) === '["acc-real"]')).toBe(true);
    expect(refused.length).toBeGreaterThan(0); // 12 requests over two members: the rogue got some
    for (const e of refused) {
      expect(e.code).toBe("UNAVAILABLE");
      expect(e.message).toContain("wrongly signed");
    }
  });
});
