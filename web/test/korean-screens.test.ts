/**
 * Every screen in Korean: its labels from the dictionary, and its numbers as
 * a Korean trader reads them (whole won, coin quantities at the lot's
 * precision, KRX times in KST), risk's rule labelled with the reason verbatim.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Account, Alert, Instrument, Position, RiskStatus, StrategyStatus } from "@jts/contracts";
import { SIM_INSTRUMENTS } from "@jts/kit";
import { fillFixture, orderFixture } from "@jts/kit/testing";

const { flush, mount, useDom } = await import("./dom.ts");
useDom(); // also puts the real fetch back after this file

const BTC = SIM_INSTRUMENTS.find((i) => i.symbol === "BTC-KRW") as Instrument;
const SAMSUNG = SIM_INSTRUMENTS.find((i) => i.symbol === "005930") as Instrument;
const INSTRUMENTS = [BTC, SAMSUNG];
/** 2026-12-07 00:30:00 UTC: 09:30:00 in Seoul. */
const NINE_THIRTY_KST = "1796603400000000000";

const strategy: StrategyStatus = {
  config: {
    id: "ma-BTC-KRW",
    kind: "ma-crossover",
    account: "paper-main",
    symbol: "BTC-KRW",
    venue: "sim",
    timeframe: "1m",
    params: { fast: 5, slow: 20 },
    enabled: true,
  },
  running: true,
  signals: 3,
  ordersSent: 2,
  lastSignal: null,
  pnl: {
    position: "0.002",
    averagePrice: "140000000",
    realizedPnl: "12345.5",
    unrealizedPnl: "-2000.4",
    fees: "70.5",
    netPnl: "10274.6",
    lastPrice: "139000000",
    fills: 2,
  },
};

/** The gateway's answers by path; the screens go through the real api.ts. */
const ANSWERS: Record<string, unknown> = {
  "/api/strategies": [strategy],
  "/api/strategies/kinds": [],
  "/api/portfolio/equity": [],
  "/api/notification-rules": { user: "admin", version: 1, rule: { routes: [], quietHours: null } },
};
globalThis.fetch = (async (input: RequestInfo | URL) => {
  const url = new URL(typeof input === "string" ? input : input instanceof URL ? input.href : input.url, location.href);
  const body = ANSWERS[url.pathname];
  return body === undefined
    ? new Response("{}", { status: 404 })
    : new Response(JSON.stringify(body), { headers: { "content-type": "application/json" } });
}) as typeof fetch;

const { setLanguage } = await import("../src/lib/i18n.ts");
const { formatMoney } = await import("../src/lib/decimal.ts");
const { formatPrice, formatQuantity, formatTime } = await import("../src/lib/format.ts");
const { validateTicket, emptyDraft } = await import("../src/lib/ticket.ts");
const { BlotterScreen } = await import("../src/screens/blotter.tsx");
const { PortfolioScreen, positionReturn } = await import("../src/screens/portfolio.tsx");
const { StrategiesScreen } = await import("../src/screens/strategies.tsx");
const { RiskScreen } = await import("../src/screens/risk.tsx");
const { AlertsScreen } = await import("../src/screens/alerts.tsx");
type Store = Parameters<typeof BlotterScreen>[0]["store"];

/** The parts of the trading store the screens read, filled with what a test needs. */
function fakeStore(parts: Partial<Record<string, unknown>>): Store {
  const none = () => [];
  return {
    instruments: () => INSTRUMENTS,
    orders: none,
    openOrders: none,
    fills: none,
    positions: none,
    accounts: none,
    alerts: none,
    risk: () => null,
    errors: {},
    triggeredStops: () => new Set<string>(),
    markAlertsRead: () => {},
    reloadAccounts: async () => {},
    reloadRisk: async () => {},
    setRisk: () => {},
    upsertOrder: () => {},
    ...Object.fromEntries(Object.entries(parts).map(([key, value]) => [key, () => value])),
  } as unknown as Store;
}

const text = (view: { root: HTMLElement }) => view.root.textContent ?? "";
const headers = (view: { root: HTMLElement }, table: string) =>
  [...view.root.querySelectorAll(`${table} thead th`)].map((th) => th.textContent);

beforeAll(() => setLanguage("ko"));
// Other files in this process read English.
afterAll(() => setLanguage("en"));

describe("formats", () => {
  test("KRW in whole won, dollar-likes in cents, coins at every decimal; quantities at the lot, prices at the band's tick", () => {
    expect(formatMoney("1234567.5", "KRW")).toBe("1,234,568");
    expect(formatMoney("1234.565", "USDT")).toBe("1,234.57");
    expect(formatMoney("-0.004", "USD")).toBe("0.00");
    expect(formatMoney("0.00012345", "BTC")).toBe("0.00012345");
    expect(formatQuantity("0.002", BTC)).toBe("0.00200000");
    expect(formatQuantity("15", SAMSUNG)).toBe("15");
    expect(formatPrice("140123456.789", BTC)).toBe("140,123,457");
    expect(formatPrice("71050.5", SAMSUNG)).toBe("71,051");
  });

  test("times in the locale's 24-hour clock; a KRX instrument's in Seoul time marked KST", () => {
    expect(formatTime(NINE_THIRTY_KST, { krx: true })).toBe("09:30:00 KST");
    expect(formatTime(NINE_THIRTY_KST, { krx: true, date: true })).toMatch(/^2026\. ?12\. ?07\.? 09:30:00 KST$/);
    expect(formatTime("nope")).toBe("—");
  });

  test("수익률 is signed for the side held", () => {
    expect(positionReturn({ quantity: "2", averagePrice: "100", lastPrice: "110" })).toBe("+10.00%");
    expect(positionReturn({ quantity: "-2", averagePrice: "100", lastPrice: "110" })).toBe("-10.00%");
    expect(positionReturn({ quantity: "-2", averagePrice: "100", lastPrice: "90" })).toBe("+10.00%");
    expect(positionReturn({ quantity: "2", averagePrice: "100", lastPrice: null })).toBe("—");
  });
});

describe("the ticket's checks in Korean", () => {
  test("quantity, tick and minimum order value problems are worded in Korean with won amounts", () => {
    const draft = { ...emptyDraft("005930"), quantity: "1", price: "71050" };
    expect(validateTicket(draft, SAMSUNG).price).toBe("지정 가격은 71050에서 호가단위 100의 배수여야 합니다");
    expect(validateTicket({ ...draft, quantity: "" }, SAMSUNG).quantity).toBe("0보다 큰 수량을 넣으세요 (예: 0.01)");
    const tiny = { ...emptyDraft("BTC-KRW"), quantity: "0.00000001", price: "140000000" };
    expect(validateTicket(tiny, BTC).quantity).toBe(
      `주문금액 1 KRW이 최소 ${formatMoney(BTC.minNotional, "KRW")}보다 작습니다`,
    );
    expect(validateTicket({ ...draft, type: "MARKET", timeInForce: "GTC" }, SAMSUNG).timeInForce).toBe(
      "시장가 주문에는 취소 시까지 (GTC)를 쓸 수 없습니다",
    );
  });
});

describe("orders screen (주문)", () => {
  test("미체결, 주문 내역 and 체결 내역 with Korean columns, lot-precision quantities, whole-won fees and KST times", () => {
    const open = orderFixture({
      id: "o1",
      symbol: "BTC-KRW",
      type: "LIMIT",
      quantity: "0.001",
      price: "140000000",
      status: "ACCEPTED",
    });
    const refused = orderFixture({
      id: "o2",
      symbol: "005930",
      side: "SELL",
      type: "LIMIT",
      quantity: "10",
      price: "71000",
      status: "REJECTED",
      rejectReason: "risk: [TRADING_HALTED] trading is HALTED (e2e drill): only cancels pass",
      updatedAt: NINE_THIRTY_KST,
    });
    const fill = fillFixture({
      symbol: "BTC-KRW",
      quantity: "0.001",
      price: "140000000",
      fee: "70.5",
      feeCurrency: "KRW",
    });
    const view = mount(() =>
      BlotterScreen({
        store: fakeStore({ openOrders: [open], orders: [refused, open], fills: [fill] }),
        canTrade: true,
      }),
    );
    expect([...view.root.querySelectorAll("h2")].map((h) => h.textContent?.replace(/\d+$/, "").trim())).toEqual([
      "미체결",
      "주문 내역",
      "체결 내역",
    ]);
    expect(headers(view, "section[aria-label='미체결']")).toEqual([
      "시각",
      "종목",
      "구분",
      "유형",
      "주문수량",
      "체결수량",
      "주문가",
      "상태",
      "",
    ]);
    const openRow = view.$("section[aria-label='미체결'] tr[data-order-id=o1]");
    const cells = [...openRow.querySelectorAll("td, th")].map((c) => c.textContent);
    expect(cells.slice(1, 8)).toEqual(["BTC-KRW", "매수", "지정가", "0.00100000", "0.00000000", "140,000,000", "접수"]);
    expect(openRow.querySelector("button")?.textContent).toBe("취소");
    expect(view.button("정정")).toBeDefined();
    expect(view.button("일괄 취소")).toBeDefined();

    const history = view.$("section[aria-label='주문 내역'] tr[data-order-id=o2]");
    expect(history.querySelector("td")?.textContent).toBe("09:30:00 KST");
    expect(history.querySelector(".status")?.textContent).toBe("거부");
    expect(history.querySelector(".status--rule")?.textContent).toBe("매매 정지");
    // The server's reason, verbatim.
    expect(history.querySelector(".reason")?.textContent).toBe(
      "매매 정지risk: [TRADING_HALTED] trading is HALTED (e2e drill): only cancels pass",
    );

    const fillCells = [...view.$<HTMLTableRowElement>("section[aria-label='체결 내역'] tr[data-fill-id]").cells].map(
      (c) => c.textContent,
    );
    expect(fillCells.slice(1)).toEqual(["BTC-KRW", "매수", "0.00100000", "140,000,000", "71 KRW", "테이커"]);
  });
});

describe("portfolio screen (잔고)", () => {
  test("보유수량, 평균단가, 평가손익, 수익률 and 주문가능 in Korean, money in whole won", async () => {
    const position: Position = {
      account: "paper-main",
      symbol: "BTC-KRW",
      venue: "sim",
      quantity: "0.002",
      averagePrice: "140123456.789",
      realizedPnl: "1500.5",
      unrealizedPnl: "-2246.9",
      lastPrice: "139000000",
      currency: "KRW",
      updatedAt: "1",
    };
    const account: Account = {
      id: "paper-main",
      venue: "sim",
      kind: "CASH",
      owner: "admin",
      baseCurrency: "KRW",
      mode: "PAPER",
      balances: [
        { account: "paper-main", currency: "KRW", total: "10000000.4", free: "9719753.6", locked: "280246.8" },
      ],
    };
    const view = mount(() =>
      PortfolioScreen({ store: fakeStore({ positions: [position], accounts: [account] }), isAdmin: false }),
    );
    await flush();
    expect(view.$("#positions-title").textContent).toBe("보유 종목");
    expect(headers(view, "section[aria-label='보유 종목']")).toEqual([
      "종목",
      "보유수량",
      "평균단가",
      "현재가",
      "평가손익",
      "수익률",
      "실현손익",
      "계좌",
    ]);
    const row = [...view.$<HTMLTableRowElement>("tr[data-symbol=BTC-KRW]").cells].map((c) => c.textContent);
    expect(row).toEqual([
      "BTC-KRW",
      "0.00200000",
      "140,123,457",
      "139,000,000",
      "-2,247",
      "-0.80%",
      "1,501",
      "paper-main",
    ]);
    expect(text(view)).toContain("평가손익 KRW-2,247");
    expect(text(view)).toContain("실현손익 KRW1,501");
    expect(headers(view, "article.account table")).toEqual(["통화", "총액", "주문가능", "주문중"]);
    expect([...view.$<HTMLTableRowElement>("article.account tbody tr").cells].map((c) => c.textContent)).toEqual([
      "KRW",
      "10,000,000",
      "9,719,754",
      "280,247",
    ]);
    expect(view.$("article.account .badge").textContent).toBe("모의투자");
    expect(view.$("#equity-title").textContent).toBe("평가자산 추이");
  });
});

describe("strategies screen (전략)", () => {
  test("a strategy card in Korean with its P&L in whole won and its position at the lot's precision", async () => {
    const view = mount(() => StrategiesScreen({ canTrade: true, instruments: INSTRUMENTS, accounts: [] }));
    await flush();
    await flush();
    expect(view.$("#strategies-title").textContent).toBe("전략");
    const card = view.$("article[data-strategy=ma-BTC-KRW]");
    expect(card.querySelector(".badge")?.textContent).toBe("실행 중");
    expect([...card.querySelectorAll("dt")].slice(0, 6).map((d) => d.textContent)).toEqual([
      "순손익",
      "실현손익 · 평가손익",
      "수수료",
      "보유수량",
      "신호",
      "주문 건수",
    ]);
    expect(card.querySelector("[data-testid=strategy-net-pnl]")?.textContent).toBe("10,275");
    expect([...card.querySelectorAll("dd")].slice(1, 4).map((d) => d.textContent)).toEqual([
      "12,346 · -2,000",
      "71",
      "0.00200000",
    ]);
    expect(view.button("정지")).toBeDefined();
    expect(view.button("파라미터 수정")).toBeDefined();
    expect(view.button("새 전략…")).toBeDefined();
  });
});

describe("risk screen (리스크)", () => {
  test("the trading state, limits and per-account P&L in Korean, the kill switch behind 긴급 정지", () => {
    const risk: RiskStatus = {
      state: "HALTED",
      limits: { maxOrderNotional: "50000000", maxPositionNotional: "200000000" },
      reason: "e2e drill",
      updatedAt: NINE_THIRTY_KST,
      accounts: [
        {
          account: "paper-main",
          state: "HALTED",
          reason: "",
          updatedAt: "1",
          limits: { maxOrderNotional: "50000000", maxPositionNotional: "200000000" },
          dailyPnl: "-12345.6",
          drawdown: "20000.4",
          grossExposure: "0",
          currency: "KRW",
        },
      ],
    } as RiskStatus;
    const view = mount(() => RiskScreen({ store: fakeStore({ risk }), canTrade: true, isAdmin: true }));
    expect(view.$("#risk-title").textContent).toBe("매매 상태");
    expect(view.$("[data-testid=trading-state]").textContent).toBe("매매 정지");
    expect([...view.root.querySelectorAll(".facts dt")].map((d) => d.textContent)).toEqual([
      "1회 주문금액 한도",
      "종목당 보유금액 한도",
    ]);
    expect(view.$(".facts dd").textContent).toBe("50,000,000");
    expect(view.$("caption").textContent).toBe("계좌별");
    expect([...view.$<HTMLTableRowElement>("table.compact tbody tr").cells].map((c) => c.textContent)).toEqual([
      "paper-main",
      "매매 정지",
      "-12,346",
      "20,000",
    ]);
    expect(view.button("매매 재개")).toBeDefined();
    expect(view.$("#limits-title").textContent).toBe("리스크 한도 (관리자)");
    expect(view.button("한도 저장")).toBeDefined();
  });

  test("the kill switch asks in Korean, and the word to type stays HALT", () => {
    const risk = {
      state: "ACTIVE",
      limits: { maxOrderNotional: "1", maxPositionNotional: "1" },
      reason: "start",
      updatedAt: "1",
    } as RiskStatus;
    const view = mount(() => RiskScreen({ store: fakeStore({ risk }), canTrade: true, isAdmin: true }));
    expect(view.$("[data-testid=trading-state]").textContent).toBe("정상 매매");
    view.button("긴급 정지…")?.click();
    expect(view.$("#halt-title").textContent).toBe("매매 정지");
    expect(text(view)).toContain("확인하려면 HALT를 입력하세요");
    expect(text(view)).toContain("미체결 주문도 모두 취소");
  });
});

describe("alerts screen (알림)", () => {
  test("alerts with Korean severity and a refusal's rule labelled; the notification rules in Korean", async () => {
    const alert: Alert = {
      id: "a1",
      severity: "CRITICAL",
      kind: "ORDER_REJECTED",
      title: "Order rejected",
      message: "risk: [MAX_ORDER_NOTIONAL] order value 60000000 is above the limit 50000000",
      account: "paper-main",
      orderId: "o9",
      tsEvent: NINE_THIRTY_KST,
    };
    const view = mount(() => AlertsScreen({ store: fakeStore({ alerts: [alert] }) }));
    await flush();
    await flush();
    expect(view.$("#alerts-title").textContent).toBe("알림");
    const item = view.$("li[data-kind=ORDER_REJECTED]");
    expect(item.querySelector(".alert__severity")?.textContent).toBe("긴급");
    expect(item.querySelector(".status--rule")?.textContent).toBe("1회 주문금액 한도 초과");
    expect(item.querySelector(".reason")?.textContent).toContain(alert.message);
    expect(item.textContent).toContain("계좌 paper-main");
    expect(item.textContent).toContain("주문 o9");
    expect(view.$("#alert-rules-title").textContent).toBe("알림 규칙");
    expect(headers(view, "form table")).toEqual(["알림", "웹훅", "이메일", "텔레그램", "푸시"]);
    expect(view.$("form tr[data-kind=ORDER_REJECTED] th").textContent).toBe("주문 거부");
    expect(view.button("규칙 저장")).toBeDefined();
  });
});
