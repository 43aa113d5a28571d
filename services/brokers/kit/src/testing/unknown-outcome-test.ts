import { describe, expect, it } from "bun:test";
import { type ExecutionReport, type Order, type RpcTransport, Subjects, type VenueOrder } from "@jts/contracts";
import { rpcClient } from "@jts/kit";
import { eventually } from "@jts/kit/testing";
import type { Misbehaviour } from "./fake-venue.ts";

/** A broker service started against its venue's fake, as each connector's tests build it. */
export interface UnknownOutcomeBroker {
  rpc: RpcTransport;
  /** The broker name in rpc subjects. */
  broker: string;
  /** Makes the venue's next place call misbehave (a FakeVenue: `misbehaveOn("POST", <place path>, m)`). */
  misbehavePlace(misbehaviour: Misbehaviour): void;
  /** The venue's answer to an order it refuses (status and body). */
  refusal: { status: number; body: unknown };
  /** Everything the broker published on exec.report. */
  reports: ExecutionReport[];
  /** A resting order the venue accepts, with a fresh id each call. */
  order(): Order;
  /** The venue fills the whole order (`venue` is what the lookup found); its report reaches the broker by stream or poll. */
  fillAtVenue(order: Order, venue: VenueOrder): void | Promise<void>;
  /** A polling broker (KIS, Creon) reads the venue's order states now; streaming brokers leave this out. */
  poll?(): Promise<void>;
  stop(): Promise<void>;
}

export type UnknownOutcomeMode = "drop-ack" | "place-late" | "refuse-late";

/** How much later than the OMS's patience the fake acts in modes (b) and (c). */
const LATE_MS = 400;
const RPC_TIMEOUT_MS = 150;

function misbehaviour(mode: UnknownOutcomeMode, refusal: UnknownOutcomeBroker["refusal"]): Misbehaviour {
  if (mode === "drop-ack") return { kind: "drop-answer" };
  if (mode === "place-late") return { kind: "timeout", delayMs: LATE_MS };
  return { kind: "error", delayMs: LATE_MS, status: refusal.status, body: refusal.body };
}

/**
 * The broker's half of an unknown outcome, for each venue's fake in the three
 * ways a place can go wrong: (a) placed and the answer lost, (b) placed after
 * the caller timed out, (c) refused after the caller timed out. In each the
 * broker's answer (or the rpc timeout) must never read as a refusal, the
 * lookup by client order id (query-order with our order id) must end with what
 * the venue holds, and the venue's fill must be reported exactly once, however
 * often the order is looked up or polled. The OMS's half (OUTCOME_UNKNOWN,
 * backoff, grace) is venue-agnostic and tested in order-execution.
 */
export function unknownOutcomeTests(title: string, start: () => Promise<UnknownOutcomeBroker>): void {
  describe(`${title}: a place whose outcome is unknown`, () => {
    for (const mode of ["drop-ack", "place-late", "refuse-late"] as const)
      it(`${mode}: never a refusal, the lookup ends with what the venue holds, its fill reported once`, async () => {
        const b = await start();
        try {
          await runMode(b, mode);
        } finally {
          await b.stop();
        }
      });
    it("drop-ack: a cancel by our order id still reaches the venue", async () => {
      const b = await start();
      try {
        await cancelUnacknowledged(b);
      } finally {
        await b.stop();
      }
    });
  });
}

async function runMode(b: UnknownOutcomeBroker, mode: UnknownOutcomeMode): Promise<void> {
  const order = b.order();
  const broker = rpcClient(b.rpc);
  b.misbehavePlace(misbehaviour(mode, b.refusal));
  // A dropped answer fails the broker's venue call at once: the broker must say so (UNKNOWN), given the time.
  const timeoutMs = mode === "drop-ack" ? 5_000 : RPC_TIMEOUT_MS;
  const answer = await broker
    .call(Subjects.brokerPlace(b.broker), { order }, { timeoutMs })
    .catch((error: Error) => error);
  if (mode === "drop-ack") expect(answer).toMatchObject({ accepted: false, outcome: "UNKNOWN" });
  // No answer in time, or an answer saying it cannot tell: both are OUTCOME_UNKNOWN for the OMS.
  else if (!(answer instanceof Error)) expect(answer).toMatchObject({ accepted: false, outcome: "UNKNOWN" });

  const lookUp = () =>
    broker.call(
      Subjects.brokerQueryOrder(b.broker),
      { account: order.account, symbol: order.symbol, orderId: order.id },
      { timeoutMs: 5_000 },
    );
  const ours = () => b.reports.filter((r) => r.orderId === order.id);
  if (mode === "refuse-late") {
    expect(await lookUp()).toBeNull();
    await Bun.sleep(LATE_MS + 200);
    await b.poll?.();
    expect(await lookUp()).toBeNull();
    expect(ours()).toEqual([]);
    return;
  }
  if (mode === "place-late") expect(await lookUp()).toBeNull();
  const found = await eventually(
    async () => {
      const venue = await lookUp();
      expect(venue).toMatchObject({ orderId: order.id, status: "ACCEPTED", filledQuantity: "0" });
      return venue as VenueOrder;
      // A lookup every 100 ms: Creon allows 20 trade-side requests per 15 s.
    },
    3_000,
    100,
  );
  expect(found.venueOrderId).toBeTruthy();

  await b.fillAtVenue(order, found);
  await eventually(
    async () => {
      await b.poll?.();
      expect(ours().filter((r) => r.kind === "FILL")).toHaveLength(1);
    },
    3_000,
    100,
  );
  // Asked again and polled again, the venue's one fill stays one report.
  expect(await lookUp()).toMatchObject({ status: "FILLED", filledQuantity: order.quantity });
  await b.poll?.();
  await Bun.sleep(100);
  const fills = ours().filter((r) => r.kind === "FILL");
  expect(fills).toHaveLength(1);
  expect(fills[0]?.fill?.quantity).toBe(order.quantity);
  expect(ours().filter((r) => r.kind === "REJECTED" || r.kind === "CANCELED")).toEqual([]);
}

/** Cancel-all and HALT cancel OUTCOME_UNKNOWN orders by our order id: the broker must get the cancel to the venue. */
async function cancelUnacknowledged(b: UnknownOutcomeBroker): Promise<void> {
  const order = b.order();
  const broker = rpcClient(b.rpc);
  b.misbehavePlace({ kind: "drop-answer" });
  await broker.call(Subjects.brokerPlace(b.broker), { order }, { timeoutMs: RPC_TIMEOUT_MS }).catch(() => undefined);
  const ack = await broker.call(
    Subjects.brokerCancel(b.broker),
    { orderId: order.id, account: order.account, symbol: order.symbol },
    { timeoutMs: 5_000 },
  );
  expect(ack).toMatchObject({ orderId: order.id, accepted: true });
  await eventually(
    async () => {
      await b.poll?.();
      const venue = await broker.call(
        Subjects.brokerQueryOrder(b.broker),
        { account: order.account, symbol: order.symbol, orderId: order.id },
        { timeoutMs: 5_000 },
      );
      expect(venue?.status).toBe("CANCELED");
    },
    3_000,
    100,
  );
}
