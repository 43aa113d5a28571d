import { describe, expect, it } from "bun:test";
import { ORDER_STATUSES, type OrderStatus } from "@jts/contracts";
import { AppError } from "@jts/kit";
import { assertTransition, canReopen, canTransition, isTerminal, statusAfterFill } from "./state-machine.ts";

/** Every legal move, written out: the state machine must allow exactly these. */
const LEGAL: ReadonlyArray<[OrderStatus, OrderStatus, string]> = [
  ["NEW", "OUTCOME_UNKNOWN", "sent, but the broker's answer never came"],
  ["OUTCOME_UNKNOWN", "ACCEPTED", "the venue says it works the order"],
  ["OUTCOME_UNKNOWN", "PARTIALLY_FILLED", "a fill (or the venue) shows it was placed"],
  ["OUTCOME_UNKNOWN", "FILLED", "a fill (or the venue) shows it was placed and filled"],
  ["OUTCOME_UNKNOWN", "REJECTED", "the venue refused it, or never saw it within the grace period"],
  ["OUTCOME_UNKNOWN", "CANCELED", "canceled by client order id, or the venue canceled it"],
  ["OUTCOME_UNKNOWN", "EXPIRED", "an IOC/FOK the venue expired"],
  ["NEW", "ACCEPTED", "the venue (or the OMS, for a held stop) accepts"],
  ["NEW", "REJECTED", "risk, routing or the venue refuses"],
  ["NEW", "PARTIALLY_FILLED", "a fast venue's fill overtakes its ack"],
  ["NEW", "FILLED", "a fast venue's fill overtakes its ack"],
  ["NEW", "CANCELED", "canceled before the ack"],
  ["NEW", "EXPIRED", "an IOC/FOK expires before the ack"],
  ["ACCEPTED", "PARTIALLY_FILLED", "first partial fill"],
  ["ACCEPTED", "FILLED", "filled in one go"],
  ["ACCEPTED", "CANCELED", "canceled while working"],
  ["ACCEPTED", "EXPIRED", "IOC rest, DAY end"],
  ["PARTIALLY_FILLED", "PARTIALLY_FILLED", "another partial fill"],
  ["PARTIALLY_FILLED", "FILLED", "the last fill"],
  ["PARTIALLY_FILLED", "CANCELED", "the rest canceled"],
  ["PARTIALLY_FILLED", "EXPIRED", "the rest expired"],
];

describe("order state machine", () => {
  for (const [from, to, why] of LEGAL) {
    it(`allows ${from} -> ${to} (${why})`, () => {
      expect(canTransition(from, to)).toBe(true);
      expect(() => assertTransition(from, to)).not.toThrow();
    });
  }

  it("refuses every other transition with a 409", () => {
    const legal = new Set(LEGAL.map(([from, to]) => `${from}>${to}`));
    let refused = 0;
    for (const from of ORDER_STATUSES)
      for (const to of ORDER_STATUSES) {
        if (legal.has(`${from}>${to}`)) continue;
        refused++;
        expect(canTransition(from, to)).toBe(false);
        const error = (() => {
          try {
            assertTransition(from, to);
          } catch (e) {
            return e;
          }
        })();
        expect(error).toBeInstanceOf(AppError);
        expect((error as AppError).status).toBe(409);
      }
    expect(refused).toBe(ORDER_STATUSES.length ** 2 - LEGAL.length);
  });

  it("names the terminal states: nothing leaves them", () => {
    expect(ORDER_STATUSES.filter(isTerminal)).toEqual(["FILLED", "CANCELED", "REJECTED", "EXPIRED"]);
    expect(canTransition("FILLED", "CANCELED")).toBe(false);
    expect(canTransition("ACCEPTED", "NEW")).toBe(false);
    expect(canTransition("ACCEPTED", "REJECTED")).toBe(false);
    expect(canTransition("OUTCOME_UNKNOWN", "NEW")).toBe(false);
  });

  it("reopens only a REJECTED or CANCELED order, only to a working state, and only by its own path", () => {
    const reopenings = ORDER_STATUSES.flatMap((from) =>
      ORDER_STATUSES.filter((to) => canReopen(from, to)).map((to) => `${from}>${to}`),
    );
    expect(reopenings).toEqual([
      "CANCELED>ACCEPTED",
      "CANCELED>PARTIALLY_FILLED",
      "REJECTED>ACCEPTED",
      "REJECTED>PARTIALLY_FILLED",
    ]);
    // The ordinary table still refuses them: a report can never reopen an order.
    expect(canTransition("REJECTED", "ACCEPTED")).toBe(false);
    expect(canTransition("CANCELED", "ACCEPTED")).toBe(false);
  });

  it("folds a fill into any state, correcting only what the fill contradicts", () => {
    expect(statusAfterFill("OUTCOME_UNKNOWN", 5n, 10n)).toEqual({ status: "PARTIALLY_FILLED", corrected: false });
    expect(statusAfterFill("NEW", 10n, 10n)).toEqual({ status: "FILLED", corrected: false });
    expect(statusAfterFill("REJECTED", 5n, 10n)).toEqual({ status: "PARTIALLY_FILLED", corrected: true });
    expect(statusAfterFill("REJECTED", 10n, 10n)).toEqual({ status: "FILLED", corrected: true });
    expect(statusAfterFill("CANCELED", 10n, 10n)).toEqual({ status: "FILLED", corrected: true });
    expect(statusAfterFill("CANCELED", 5n, 10n)).toEqual({ status: "CANCELED", corrected: false });
    expect(statusAfterFill("EXPIRED", 5n, 10n)).toEqual({ status: "EXPIRED", corrected: false });
    expect(statusAfterFill("FILLED", 12n, 10n)).toEqual({ status: "FILLED", corrected: false });
  });
});
