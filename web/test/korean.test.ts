import { describe, expect, test } from "bun:test";
import type { Instrument } from "@jts/contracts";
import { SIM_INSTRUMENTS } from "@jts/kit";

const { flush, mount, useDom } = await import("./dom.ts");
useDom(); // also puts the real fetch back after this file

/** The gateway's answer to GET /api/market/sessions, set per test. */
let sessions: unknown = [];
globalThis.fetch = (async (input: RequestInfo | URL) => {
  const url = new URL(typeof input === "string" ? input : input instanceof URL ? input.href : input.url, location.href);
  if (url.pathname === "/api/market/sessions")
    return new Response(JSON.stringify(sessions), { headers: { "content-type": "application/json" } });
  return new Response("{}", { status: 404 });
}) as typeof fetch;

const { defaultLanguage, language, LANGUAGES, setLanguage, t } = await import("../src/lib/i18n.ts");
const { upDownColors, UP_DOWN_COLORS } = await import("../src/lib/price-colors.ts");
const { formatMoney } = await import("../src/lib/decimal.ts");
const { krxBandAt } = await import("../src/lib/ticket.ts");
const { PrefsMenu } = await import("../src/components/prefs-menu.tsx");
const { ConnectionIndicator } = await import("../src/components/connection-indicator.tsx");
const { SessionBadge } = await import("../src/components/session-badge.tsx");
const { OrderTicket } = await import("../src/components/order-ticket.tsx");

const SAMSUNG = SIM_INSTRUMENTS.find((i) => i.symbol === "005930") as Instrument;
const BTC = SIM_INSTRUMENTS.find((i) => i.symbol === "BTC-KRW") as Instrument;

// Every test that switches to Korean or KRX colours switches back: other files in this process read English.
describe("language", () => {
  test("Korean by default for a browser whose first language is Korean, English otherwise", () => {
    expect(defaultLanguage(["ko-KR", "en-US"])).toBe("ko");
    expect(defaultLanguage(["ko"])).toBe("ko");
    expect(defaultLanguage(["en-US", "ko-KR"])).toBe("en");
    expect(defaultLanguage([])).toBe("en");
  });

  test("Korean names every text English has, none of them empty", () => {
    expect(Object.keys(LANGUAGES.ko).sort()).toEqual(Object.keys(LANGUAGES.en).sort());
    expect(Object.values(LANGUAGES.ko).every((text) => text.trim().length > 0)).toBe(true);
  });

  test("switching in the settings menu re-labels what is on screen and is kept in this browser", () => {
    setLanguage("en");
    const view = mount(() => [PrefsMenu(), ConnectionIndicator({ state: "live" })]);
    expect(view.$(".connection")?.textContent).toBe("Live");
    view.choose("language", "ko");
    expect(language()).toBe("ko");
    expect(view.$(".connection")?.textContent).toBe("실시간");
    expect(view.$("summary")?.textContent).toContain("한국어");
    expect(localStorage.getItem("jts.lang")).toBe("ko");
    expect(document.documentElement.lang).toBe("ko");
    expect(t("stale.banner", { time: "09:01:02" })).toContain("09:01:02");
    view.choose("language", "en");
    expect(view.$(".connection")?.textContent).toBe("Live");
  });
});

describe("rise and fall colours", () => {
  test("KRX's red rise and blue fall, or green and red, chosen in the settings and applied to the page and charts", () => {
    const view = mount(() => PrefsMenu());
    view.choose("updown", "krx");
    expect(document.documentElement.dataset.updown).toBe("krx");
    expect(upDownColors()).toEqual(UP_DOWN_COLORS.krx);
    expect(localStorage.getItem("jts.updown")).toBe("krx");
    view.choose("updown", "global");
    expect(document.documentElement.dataset.updown).toBe("global");
    expect(upDownColors().up).toBe("#2ecc71");
  });
});

describe("won amounts", () => {
  test("KRW shows whole won, rounded half away from zero; other currencies keep their decimals", () => {
    expect(formatMoney("1234567.5", "KRW")).toBe("1,234,568");
    expect(formatMoney("1234567.49", "KRW")).toBe("1,234,567");
    expect(formatMoney("-1234.5", "KRW")).toBe("-1,235");
    expect(formatMoney("-0.4", "KRW")).toBe("0");
    expect(formatMoney("150000000", "KRW")).toBe("150,000,000");
    expect(formatMoney("1234.56", "USDT")).toBe("1,234.56");
    expect(formatMoney(null, "KRW")).toBe("—");
  });
});

describe("KRX price bands in the ticket", () => {
  test("names the band a KRX stock's price falls in and its tick; none for other instruments", () => {
    expect(krxBandAt(SAMSUNG, "71000")).toEqual({ from: "50000", to: "200000", tick: "100" });
    expect(krxBandAt(SAMSUNG, "50000")).toEqual({ from: "50000", to: "200000", tick: "100" });
    expect(krxBandAt(SAMSUNG, "49950")).toEqual({ from: "20000", to: "50000", tick: "50" });
    expect(krxBandAt(SAMSUNG, "1999")).toEqual({ from: "0", to: "2000", tick: "1" });
    expect(krxBandAt(SAMSUNG, "750000")).toEqual({ from: "500000", to: null, tick: "1000" });
    expect(krxBandAt(SAMSUNG, "abc")).toBeNull();
    expect(krxBandAt(BTC, "150000000")).toBeNull();
  });

  test("the limit price's hint shows the band of the typed price, or of the last trade before one is typed", () => {
    setLanguage("en");
    const view = mount(() =>
      OrderTicket({
        instruments: [SAMSUNG],
        symbol: "005930",
        lastPrice: () => "71000",
        place: async () => ({}) as never,
      }),
    );
    view.choose("type", "LIMIT");
    const hint = () => view.$("#price-hint")?.textContent ?? "";
    expect(hint()).toBe("KRX band 50,000–200,000: tick 100");
    view.type("price", "250000");
    expect(hint()).toBe("KRX band 200,000–500,000: tick 500");
    setLanguage("ko");
    expect(hint()).toBe("KRX 호가 구간 200,000–500,000: 호가단위 500");
    // The ticket's own words follow the language too.
    expect(view.$("#ticket-title")?.textContent).toBe("주문");
    expect(view.button("매수 주문 확인")).toBeDefined();
    setLanguage("en");
    expect(view.button("Review buy order")).toBeDefined();
  });
});

describe("KRX session state in the header", () => {
  test("shows the gateway's state in the chosen language, with its reason as the title", async () => {
    sessions = [{ market: "KRX", state: "HOLIDAY", reason: "KRX is closed for a holiday on 2026-12-25", at: 1 }];
    setLanguage("en");
    const view = mount(() => SessionBadge());
    await flush();
    await flush();
    const badge = view.$<HTMLElement>("[data-testid=krx-session]");
    expect(badge?.textContent).toBe("KRX · Holiday");
    expect(badge?.getAttribute("title")).toContain("holiday");
    setLanguage("ko");
    expect(badge?.textContent).toBe("KRX · 휴장일");
    setLanguage("en");
  });

  test("shows nothing while the state is unknown", async () => {
    sessions = [];
    const view = mount(() => SessionBadge());
    await flush();
    expect(view.$("[data-testid=krx-session]")).toBeNull();
  });
});
