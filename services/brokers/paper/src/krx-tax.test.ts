import { describe, expect, it } from "bun:test";
import { krxSettlementDate } from "./krx-tax.ts";

const at = (iso: string) => BigInt(Date.parse(iso)) * 1_000_000n;

describe("krxSettlementDate", () => {
  it("settles on the second business day after the trade's KST date", () => {
    expect(krxSettlementDate(at("2025-12-24T10:00:00+09:00"))).toBe("2025-12-26");
    expect(krxSettlementDate(at("2025-12-26T10:00:00+09:00"))).toBe("2025-12-30"); // a weekend between
  });

  it("takes the KST date, not the UTC one, around KST midnight", () => {
    // 2025-12-25 23:30 UTC is 12-26 08:30 in Seoul: a Friday trade, settling on Tuesday.
    expect(krxSettlementDate(at("2025-12-25T23:30:00Z"))).toBe("2025-12-30");
    expect(krxSettlementDate(at("2025-12-25T14:59:59Z"))).toBe("2025-12-29"); // still Thursday in Seoul
  });

  it("answers the same day after day, one call after another, as a fresh walk would", () => {
    const holidays = new Set(["2026-01-01", "2026-02-16", "2026-02-17", "2026-02-18"]);
    const start = Date.parse("2025-12-20T00:00:00+09:00");
    const seen: string[] = [];
    for (let hour = 0; hour < 24 * 70; hour += 5) {
      const ts = BigInt(start + hour * 3_600_000) * 1_000_000n;
      const again = krxSettlementDate(ts, holidays);
      expect(krxSettlementDate(ts, holidays)).toBe(again);
      // A new set of the same holidays has nothing kept: the walk itself.
      expect(krxSettlementDate(ts, new Set(holidays))).toBe(again);
      seen.push(again);
    }
    expect(seen).toContain("2026-01-02");
    expect(seen).not.toContain("2026-01-01");
    expect(seen).not.toContain("2026-02-17");
  });

  it("works the date out again when the holiday set it was given gains a holiday", () => {
    const holidays = new Set<string>();
    const ts = at("2025-12-29T10:00:00+09:00");
    expect(krxSettlementDate(ts, holidays)).toBe("2025-12-31");
    holidays.add("2025-12-31");
    expect(krxSettlementDate(ts, holidays)).toBe("2026-01-01");
  });
});

describe("krxSettlementDate of a holiday set that changes", () => {
  it("works the date out again when a holiday is swapped for another, the set keeping its size", () => {
    const holidays = new Set(["2025-12-31"]);
    const ts = at("2025-12-29T10:00:00+09:00"); // Monday: 12-30, then 12-31 a holiday, then 01-01
    expect(krxSettlementDate(ts, holidays)).toBe("2026-01-01");
    holidays.delete("2025-12-31");
    holidays.add("2026-03-02");
    expect(krxSettlementDate(ts, holidays)).toBe("2025-12-31");
    holidays.delete("2026-03-02");
    holidays.add("2025-12-30");
    expect(krxSettlementDate(ts, holidays)).toBe("2026-01-01");
  });
});
