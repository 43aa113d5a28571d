/**
 * The PWA's two languages: a plain dictionary per language, no library. Korean
 * must name every key English has (the `satisfies` fails the build otherwise).
 * The choice is the trader's (kept in localStorage); without one, a browser
 * whose first language is Korean gets Korean, any other English.
 */
import { createRoot, createSignal } from "solid-js";
import { backtestsEn, backtestsKo } from "./i18n-backtests.ts";
import { optimizeEn, optimizeKo } from "./i18n-optimize.ts";
import { screensEn, screensKo } from "./i18n-screens.ts";

const en = {
  "lang.name": "English",
  "settings.title": "Settings",
  "settings.language": "Language",
  "settings.colors": "Price colours",
  "settings.colors.krx": "Rise red, fall blue (KRX, Upbit)",
  "settings.colors.global": "Rise green, fall red",
  "tab.markets": "Markets",
  "tab.blotter": "Orders",
  "tab.portfolio": "Portfolio",
  "tab.strategies": "Strategies",
  "tab.risk": "Risk",
  "tab.alerts": "Alerts",
  "nav.screens": "Screens",
  "nav.unread": "unread",
  logout: "Log out",
  "conn.connecting": "Connecting…",
  "conn.live": "Live",
  "conn.reconnecting": "Reconnecting…",
  "conn.offline": "Offline",
  "stale.banner": "Stale: not live since {time}. Showing the last known data.",
  "login.title": "Sign in",
  "login.username": "Username",
  "login.password": "Password",
  "login.submit": "Sign in",
  "login.pending": "Signing in…",
  "login.failed": "Login failed",
  "watchlist.title": "Watchlist",
  "watchlist.symbol": "Symbol",
  "watchlist.last": "Last",
  "watchlist.change": "Chg %",
  "watchlist.bid": "Bid",
  "watchlist.ask": "Ask",
  "watchlist.time": "Time",
  "watchlist.empty": "No instruments yet",
  "chart.title": "Chart",
  "chart.interval": "Candle interval",
  "chart.label": "{symbol} {interval} candles with volume",
  "chart.loading": "loading",
  "chart.error": "Candles: {message}",
  "session.KRX": "KRX",
  "session.PRE_OPEN": "Pre-open",
  "session.CONTINUOUS": "Open",
  "session.CLOSING_AUCTION": "Closing auction",
  "session.CLOSED": "Closed",
  "session.HOLIDAY": "Holiday",
  "ticket.title": "Order ticket",
  "ticket.instrument": "Instrument",
  "ticket.instrumentHint": "Tick {tick} · lot {lot} · last {last}",
  "ticket.side": "Side",
  "ticket.BUY": "Buy",
  "ticket.SELL": "Sell",
  "ticket.type": "Type",
  "ticket.timeInForce": "Time in force",
  "ticket.quantity": "Quantity",
  "ticket.step": "Step {lot}",
  "ticket.tick": "Tick {tick}",
  "ticket.stopPrice": "Stop price",
  "ticket.limitPrice": "Limit price",
  "ticket.valueLater": "Order value appears once quantity and price are set.",
  "ticket.atLast": " at the last trade",
  "ticket.viewOnly": "Your role can view but not trade.",
  "ticket.offline": "Offline: orders cannot be sent until the connection is back.",
  "ticket.review.BUY": "Review buy order",
  "ticket.review.SELL": "Review sell order",
  "ticket.confirmTitle": "Confirm order",
  "ticket.back": "Back",
  "ticket.sending": "Sending…",
  "ticket.confirm.BUY": "Confirm buy",
  "ticket.confirm.SELL": "Confirm sell",
  "ticket.stopPart": " · stop {price}",
  "ticket.limitPart": " · limit {price}",
  "ticket.refused": "Refused: {reason}",
  "ticket.noReason": "no reason given",
  "ticket.order": "Order",
  "ticket.band": "KRX band {from}–{to}: tick {tick}",
  "ticket.bandTop": "KRX band from {from}: tick {tick}",
  ...backtestsEn,
  ...optimizeEn,
  ...screensEn,
} as const;

export type MessageKey = keyof typeof en;

const ko = {
  "lang.name": "한국어",
  "settings.title": "설정",
  "settings.language": "언어",
  "settings.colors": "시세 색상",
  "settings.colors.krx": "상승 빨강, 하락 파랑 (KRX, 업비트)",
  "settings.colors.global": "상승 초록, 하락 빨강",
  "tab.markets": "시세",
  "tab.blotter": "주문",
  "tab.portfolio": "잔고",
  "tab.strategies": "전략",
  "tab.risk": "리스크",
  "tab.alerts": "알림",
  "nav.screens": "화면",
  "nav.unread": "읽지 않음",
  logout: "로그아웃",
  "conn.connecting": "연결 중…",
  "conn.live": "실시간",
  "conn.reconnecting": "재연결 중…",
  "conn.offline": "오프라인",
  "stale.banner": "지연: {time} 이후 실시간이 아닙니다. 마지막으로 받은 데이터를 보여 줍니다.",
  "login.title": "로그인",
  "login.username": "사용자 이름",
  "login.password": "비밀번호",
  "login.submit": "로그인",
  "login.pending": "로그인 중…",
  "login.failed": "로그인 실패",
  "watchlist.title": "관심 종목",
  "watchlist.symbol": "종목",
  "watchlist.last": "현재가",
  "watchlist.change": "등락률",
  "watchlist.bid": "매수호가",
  "watchlist.ask": "매도호가",
  "watchlist.time": "시각",
  "watchlist.empty": "아직 종목이 없습니다",
  "chart.title": "차트",
  "chart.interval": "봉 주기",
  "chart.label": "{symbol} {interval} 캔들과 거래량",
  "chart.loading": "불러오는 중",
  "chart.error": "캔들: {message}",
  "session.KRX": "KRX",
  "session.PRE_OPEN": "장전 동시호가",
  "session.CONTINUOUS": "정규장",
  "session.CLOSING_AUCTION": "장마감 동시호가",
  "session.CLOSED": "장 종료",
  "session.HOLIDAY": "휴장일",
  "ticket.title": "주문",
  "ticket.instrument": "종목",
  "ticket.instrumentHint": "호가단위 {tick} · 수량단위 {lot} · 현재가 {last}",
  "ticket.side": "매매 구분",
  "ticket.BUY": "매수",
  "ticket.SELL": "매도",
  "ticket.type": "주문 유형",
  "ticket.timeInForce": "유효 기간",
  "ticket.quantity": "수량",
  "ticket.step": "수량단위 {lot}",
  "ticket.tick": "호가단위 {tick}",
  "ticket.stopPrice": "감시 가격",
  "ticket.limitPrice": "지정 가격",
  "ticket.valueLater": "수량과 가격을 넣으면 주문 금액이 나옵니다.",
  "ticket.atLast": " (현재가 기준)",
  "ticket.viewOnly": "이 권한으로는 조회만 할 수 있습니다.",
  "ticket.offline": "오프라인: 연결이 돌아올 때까지 주문을 보낼 수 없습니다.",
  "ticket.review.BUY": "매수 주문 확인",
  "ticket.review.SELL": "매도 주문 확인",
  "ticket.confirmTitle": "주문 확인",
  "ticket.back": "뒤로",
  "ticket.sending": "보내는 중…",
  "ticket.confirm.BUY": "매수 확정",
  "ticket.confirm.SELL": "매도 확정",
  "ticket.stopPart": " · 감시가 {price}",
  "ticket.limitPart": " · 지정가 {price}",
  "ticket.refused": "거부됨: {reason}",
  "ticket.noReason": "사유 없음",
  "ticket.order": "주문",
  "ticket.band": "KRX 호가 구간 {from}–{to}: 호가단위 {tick}",
  "ticket.bandTop": "KRX 호가 구간 {from} 이상: 호가단위 {tick}",
  ...backtestsKo,
  ...optimizeKo,
  ...screensKo,
} satisfies Record<MessageKey, string>;

export const LANGUAGES = { en, ko } as const;
export type Language = keyof typeof LANGUAGES;

const LANG_KEY = "jts.lang";

/** The language of a browser whose trader has not chosen one: Korean for a `ko` first language. */
export function defaultLanguage(languages: readonly string[]): Language {
  return languages[0]?.toLowerCase().startsWith("ko") ? "ko" : "en";
}

// Guarded so the pure modules that word their messages here (ticket.ts) also load outside a browser.
const stored = (): Language | null => {
  if (typeof localStorage === "undefined") return null;
  const value = localStorage.getItem(LANG_KEY);
  return value === "en" || value === "ko" ? value : null;
};

const [language, setLanguageSignal] = createRoot(() =>
  createSignal<Language>(
    stored() ??
      defaultLanguage(typeof navigator === "undefined" ? [] : (navigator.languages ?? [navigator.language ?? ""])),
  ),
);

export { language };

export function setLanguage(next: Language): void {
  if (typeof localStorage !== "undefined") localStorage.setItem(LANG_KEY, next);
  setLanguageSignal(next);
  if (typeof document !== "undefined") document.documentElement.lang = next;
}
if (typeof document !== "undefined") document.documentElement.lang = language();

/** Whether `key` names a text (for keys built from server codes, e.g. a risk rule). */
export function hasMessage(key: string): key is MessageKey {
  return key in LANGUAGES.en;
}

/** The text of `key` in the current language, `{name}` placeholders filled from `params`. */
export function t(key: MessageKey, params: Record<string, string | number> = {}): string {
  const text: string = LANGUAGES[language()][key];
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}
