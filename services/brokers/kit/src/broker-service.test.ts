import { describe, expect, it } from "bun:test";
import type { BrokerAck, Candle, Envelope, Instrument, Order } from "@jts/contracts";
import { ackOutcome, EventTypes, Subjects, Topics } from "@jts/contracts";
import { envelope, followVenueInstruments, InstrumentCatalog, memoryRuntime } from "@jts/kit";
import { eventually, orderFixture, silentLogger } from "@jts/kit/testing";
import { createBrokerService, type VenueConnector, type VenueSink } from "./broker-service.ts";
import { VenueError } from "./errors.ts";

const INSTRUMENT: Instrument = {
  symbol: "BTC-KRW",
  venue: "upbit",
  kind: "CRYPTO",
  base: "BTC",
  quote: "KRW",
  tickSize: "1000",
  lotSize: "0.00000001",
  minQuantity: "0.00000001",
  maxQuantity: "1000",
  minNotional: "5000",
  makerFee: "0.0005",
  takerFee: "0.0005",
};

/** A connector whose place() outcome each test chooses; the wrapper is what is under test. */
function connector(place: (order: Order) => Promise<never> | Promise<ReturnType<VenueConnector["place"]>>) {
  let sink: VenueSink | undefined;
  const venue: VenueConnector & { sink(): VenueSink } = {
    venue: "upbit",
    loadInstruments: async () => [INSTRUMENT],
    start: async (s) => {
      sink = s;
    },
    stop: async () => undefined,
    place: (order) => place(order) as never,
    cancel: async () => {
      throw new VenueError("upbit", "rejected", "order_not_found");
    },
    queryOrder: async () => null,
    openOrders: async () => [],
    balances: async () => [],
    positions: async () => [],
    sink: () => sink as VenueSink,
  };
  return venue;
}

describe("createBrokerService", () => {
  it("loads instruments, and answers a venue refusal as accepted: false with the reason", async () => {
    const runtime = memoryRuntime(silentLogger);
    const service = createBrokerService(
      runtime,
      connector(async () => {
        throw new VenueError("upbit", "rejected", "insufficient funds");
      }),
    );
    await service.start();
    expect(service.catalog().find("BTC-KRW")).toEqual(INSTRUMENT);
    const ack = await runtime.rpc.request(Subjects.brokerPlace("upbit"), {
      order: orderFixture({ venue: "upbit", symbol: "BTC-KRW" }),
    });
    expect(ack).toMatchObject({
      orderId: "o1",
      accepted: false,
      outcome: "REFUSED",
      reason: "upbit: insufficient funds",
      venueOrderId: null,
    });
    await service.stop();
  });

  it("answers a rate-limit or unknown outcome as outcome UNKNOWN, never as a refusal", async () => {
    const runtime = memoryRuntime(silentLogger);
    const failures = [
      new VenueError("upbit", "unknown-outcome", "timed out"),
      new VenueError("upbit", "rate-limited", "429"),
      new Error("socket hang up"),
    ];
    const service = createBrokerService(
      runtime,
      connector(async () => {
        throw failures.shift();
      }),
    );
    await service.start();
    for (const reason of ["timed out", "429", "socket hang up"]) {
      const ack = await runtime.rpc.request<BrokerAck>(Subjects.brokerPlace("upbit"), {
        order: orderFixture({ venue: "upbit", symbol: "BTC-KRW" }),
      });
      expect(ack).toMatchObject({ orderId: "o1", accepted: false, outcome: "UNKNOWN", venueOrderId: null });
      expect(ack.reason).toContain(reason);
      expect(ackOutcome(ack)).toBe("UNKNOWN");
    }
    await service.stop();
  });

  it("refuses malformed requests at the boundary", async () => {
    const runtime = memoryRuntime(silentLogger);
    const service = createBrokerService(
      runtime,
      connector(async () => ({}) as never),
    );
    await service.start();
    await expect(runtime.rpc.request(Subjects.brokerPlace("upbit"), { order: { id: 1 } })).rejects.toThrow();
    await expect(runtime.rpc.request(Subjects.brokerBalances("upbit"), {})).rejects.toThrow();
    await service.stop();
  });

  it("publishes venue candles only when asked to", async () => {
    const candle: Candle = {
      symbol: "BTC-KRW",
      venue: "upbit",
      interval: "1m",
      tsOpen: "1",
      open: "1",
      high: "1",
      low: "1",
      close: "1",
      volume: "1",
      trades: 1,
      closed: true,
    };
    for (const publishCandles of [false, true]) {
      const runtime = memoryRuntime(silentLogger);
      const seen: Envelope[] = [];
      await runtime.bus.subscribe(Topics.allCandles, (e) => void seen.push(e));
      const venue = connector(async () => ({}) as never);
      const service = createBrokerService(runtime, venue, { publishCandles });
      await service.start();
      venue.sink().candle(candle);
      await Bun.sleep(10);
      expect(seen).toHaveLength(publishCandles ? 1 : 0);
      await service.stop();
    }
  });
});

describe("instrument announcements", () => {
  it("announce the venue's instruments to every follower's catalog, replacing a simulated listing of the same symbol", async () => {
    const runtime = memoryRuntime(silentLogger);
    const followed = new InstrumentCatalog(); // the sim instruments, as risk and the OMS start with
    expect(followed.spec("BTC-KRW")?.instrument.venue).toBe("sim"); // parsed and cached before the announcement
    await followVenueInstruments(runtime.bus, followed, silentLogger);
    const XRP: Instrument = { ...INSTRUMENT, symbol: "XRP-KRW", base: "XRP", tickSize: "0.1", minNotional: "5000" };
    const venue = connector(async () => {
      throw new VenueError("upbit", "rejected", "unused");
    });
    venue.loadInstruments = async () => [INSTRUMENT, XRP];
    const service = createBrokerService(runtime, venue);
    await service.start();
    await eventually(() => expect(followed.find("XRP-KRW")).toEqual(XRP));
    expect(followed.find("BTC-KRW")).toEqual(INSTRUMENT);
    expect(followed.spec("BTC-KRW")?.instrument.venue).toBe("upbit");
    await service.stop();
  });

  it("ignore a malformed announcement and keep what the catalog had", async () => {
    const runtime = memoryRuntime(silentLogger);
    const followed = new InstrumentCatalog();
    const before = followed.all;
    await followVenueInstruments(runtime.bus, followed, silentLogger);
    await runtime.bus.publish(
      Topics.instruments("upbit"),
      // @ts-expect-error a malformed announcement on purpose: the bus does not check payloads, the follower must
      envelope(EventTypes.instruments, "test", "upbit", { venue: "upbit", instruments: [{ symbol: "X" }] }),
    );
    await Bun.sleep(10);
    expect(followed.all).toEqual(before);
  });
});
