/**
 * Everything the screens show, loaded once over REST and then kept current by
 * the socket: orders, fills and positions upsert by id, prices by symbol. Each
 * REST snapshot is also remembered, so a reload offline shows the last known
 * state, marked stale. An `epoch` bump (missed events) refetches.
 */
import {
  type Account,
  type Alert,
  type Candle,
  type Fill,
  type Instrument,
  type Order,
  type Position,
  type RiskStatus,
  WsChannels,
} from "@jts/contracts";
import { batch, createEffect, createMemo, createSignal, on, onCleanup } from "solid-js";
import { createStore } from "solid-js/store";
import {
  getAccounts,
  getAlerts,
  getCandles,
  getFills,
  getInstruments,
  getOrders,
  getPositions,
  getPrices,
  getRisk,
  getWorkingOrders,
  messageOf,
} from "./api.ts";
import { recall, remember } from "./cache.ts";
import { compareDecimal, compareNanos } from "./decimal.ts";
import type { LiveConnection } from "./ws.ts";

export interface PriceRow {
  symbol: string;
  venue: string;
  price: string | null;
  bid: string | null;
  ask: string | null;
  /** Open of the current daily candle: the base of the change column. */
  open: string | null;
  ts: string | null;
  direction: "up" | "down" | null;
}

/** Orders a venue has or may have: OUTCOME_UNKNOWN ones too, so they can be seen and canceled. */
export const OPEN_STATUSES: ReadonlySet<Order["status"]> = new Set([
  "NEW",
  "OUTCOME_UNKNOWN",
  "ACCEPTED",
  "PARTIALLY_FILLED",
]);
export const isOpen = (order: Order) => OPEN_STATUSES.has(order.status);

const ALERTS_SEEN_KEY = "jts.alertsSeenAt";
const PRICES_SAVE_EVERY_MS = 2_000;

export type TradingStore = ReturnType<typeof createTradingStore>;

export function createTradingStore(live: LiveConnection) {
  const [instruments, setInstruments] = createSignal<Instrument[]>([]);
  const [prices, setPrices] = createStore<Record<string, PriceRow>>({});
  const [orderMap, setOrderMap] = createStore<Record<string, Order>>({});
  const [fills, setFills] = createSignal<Fill[]>([]);
  const [positionMap, setPositionMap] = createStore<Record<string, Position>>({});
  const [accounts, setAccounts] = createSignal<Account[]>([]);
  const [risk, setRisk] = createSignal<RiskStatus | null>(null);
  const [alerts, setAlerts] = createSignal<Alert[]>([]);
  const [alertsSeenAt, setAlertsSeenAt] = createSignal(localStorage.getItem(ALERTS_SEEN_KEY) ?? "0");
  const [errors, setErrors] = createStore<Record<string, string | undefined>>({});
  /** Epoch ms of the remembered data on screen, or null when everything came from the gateway. */
  const [cachedAt, setCachedAt] = createSignal<number | null>(null);
  /** Epoch ms the socket last stopped being live; null while it is live. */
  const [liveLostAt, setLiveLostAt] = createSignal<number | null>(Date.now());

  createEffect(() => {
    if (live.state() === "live") setLiveLostAt(null);
    else setLiveLostAt((since) => since ?? Date.now());
  });

  /** When the data on screen stopped being current; null when it is live. */
  const staleSince = createMemo(() => {
    const cached = cachedAt();
    const lost = liveLostAt();
    if (cached !== null) return cached;
    return lost;
  });

  // ---- writers ----

  const ensurePriceRow = (symbol: string, venue: string) => {
    if (!prices[symbol]) {
      setPrices(symbol, { symbol, venue, price: null, bid: null, ask: null, open: null, ts: null, direction: null });
    }
  };

  const updatePrice = (symbol: string, venue: string, next: Partial<PriceRow> & { price: string; ts: string }) => {
    ensurePriceRow(symbol, venue);
    const row = prices[symbol] as PriceRow;
    // A REST snapshot can land after a newer tick; never step back in time.
    if (row.ts !== null && compareNanos(next.ts, row.ts) < 0) return;
    const change = row.price === null ? 0 : compareDecimal(next.price, row.price);
    setPrices(symbol, { ...next, direction: change > 0 ? "up" : change < 0 ? "down" : row.direction });
  };

  const upsertOrder = (order: Order) => {
    const current = orderMap[order.id];
    if (current && compareNanos(order.updatedAt, current.updatedAt) < 0) return;
    setOrderMap(order.id, order);
  };

  const upsertFill = (fill: Fill) => {
    setFills((list) => (list.some((f) => f.id === fill.id) ? list : [fill, ...list]));
  };

  const upsertPosition = (position: Position) => {
    const key = `${position.account}:${position.symbol}`;
    const current = positionMap[key];
    if (current && compareNanos(position.updatedAt, current.updatedAt) < 0) return;
    setPositionMap(key, position);
  };

  const upsertAlert = (alert: Alert) => {
    setAlerts((list) => (list.some((a) => a.id === alert.id) ? list : [alert, ...list]));
  };

  // ---- loading ----

  /** One REST source: on success it is remembered; on failure the remembered copy is shown, if any. */
  async function load<T>(key: string, fetcher: () => Promise<T>, apply: (data: T) => void): Promise<boolean> {
    try {
      const data = await fetcher();
      apply(data);
      remember(key, data);
      setErrors(key, undefined);
      return true;
    } catch (error) {
      const remembered = recall<T>(key);
      if (remembered) {
        apply(remembered.data);
        setCachedAt((at) => Math.min(at ?? remembered.savedAt, remembered.savedAt));
      }
      setErrors(key, messageOf(error));
      return false;
    }
  }

  const applyPrices = (
    list: Array<{
      symbol: string;
      venue: string;
      price: string;
      bid: string | null;
      ask: string | null;
      ts: string;
      open?: string | null;
    }>,
  ) => {
    batch(() => {
      for (const p of list) {
        updatePrice(p.symbol, p.venue, { price: p.price, bid: p.bid, ask: p.ask, ts: p.ts });
        if (p.open) setPrices(p.symbol, "open", p.open);
      }
    });
  };

  const loadDailyOpens = async (list: Instrument[]) => {
    await Promise.all(
      list.map(async (instrument) => {
        const candles: Candle[] = await getCandles(instrument.symbol, "1d", 1).catch(() => []);
        const today = candles.at(-1);
        if (today) {
          ensurePriceRow(instrument.symbol, instrument.venue);
          setPrices(instrument.symbol, "open", today.open);
        }
      }),
    );
  };

  const loadPrivate = async () => {
    const results = await Promise.all([
      // The newest page and every working order, however old (upserted by id: one row each).
      load(
        "orders",
        async () => (await Promise.all([getOrders(), getWorkingOrders()])).flat(),
        (list) => batch(() => list.forEach(upsertOrder)),
      ),
      load("fills", getFills, (list) => setFills((current) => mergeFills(current, list))),
      load("positions", getPositions, (list) => batch(() => list.forEach(upsertPosition))),
      load("accounts", getAccounts, setAccounts),
      load("risk", getRisk, setRisk),
      load("alerts", getAlerts, (list) => setAlerts((current) => mergeAlerts(current, list))),
    ]);
    return results.every(Boolean);
  };

  const loadAll = async () => {
    const [instrumentsOk, pricesOk, privateOk] = await Promise.all([
      load("instruments", getInstruments, (list) => {
        setInstruments(list);
        for (const i of list) ensurePriceRow(i.symbol, i.venue);
      }),
      load("prices", getPrices, applyPrices),
      loadPrivate(),
    ]);
    if (instrumentsOk && pricesOk && privateOk) setCachedAt(null);
    if (instrumentsOk) await loadDailyOpens(instruments());
  };

  void loadAll();
  createEffect(on(live.epoch, () => void loadAll(), { defer: true }));

  // Prices are remembered on a timer, not per tick (localStorage writes are synchronous).
  const saveTimer = setInterval(() => {
    if (live.state() === "live")
      remember(
        "prices",
        Object.values(prices).filter((p) => p.price !== null),
      );
  }, PRICES_SAVE_EVERY_MS);
  onCleanup(() => clearInterval(saveTimer));

  // ---- live ----

  let accountsRefresh: ReturnType<typeof setTimeout> | undefined;
  /** Balances move with fills; one refetch per burst of fills. */
  const refreshAccountsSoon = () => {
    clearTimeout(accountsRefresh);
    accountsRefresh = setTimeout(() => void load("accounts", getAccounts, setAccounts), 300);
  };
  onCleanup(() => clearTimeout(accountsRefresh));

  const unsubscribers = [
    live.subscribe("orders", (data) => upsertOrder(data)),
    live.subscribe("fills", (data) => {
      upsertFill(data);
      refreshAccountsSoon();
    }),
    live.subscribe("positions", (data) => upsertPosition(data)),
    live.subscribe("risk", (data) => setRisk((current) => ({ ...current, ...data }))),
    live.subscribe("alerts", (data) => upsertAlert(data)),
  ];
  onCleanup(() => {
    for (const unsubscribe of unsubscribers) unsubscribe();
  });

  // Tickers follow the instrument list.
  createEffect(() => {
    const symbols = [...new Set(instruments().map((i) => i.symbol))];
    const offs = symbols.map((symbol) =>
      live.subscribe(WsChannels.ticker(symbol), (tick) => {
        updatePrice(tick.symbol, tick.venue, { price: tick.price, ts: tick.tsEvent });
      }),
    );
    onCleanup(() => {
      for (const off of offs) off();
    });
  });

  // ---- views ----

  const orders = createMemo(() => Object.values(orderMap).sort((a, b) => compareNanos(b.updatedAt, a.updatedAt)));
  const openOrders = createMemo(() => orders().filter(isOpen));
  const positions = createMemo(() =>
    Object.values(positionMap).sort((a, b) => a.account.localeCompare(b.account) || a.symbol.localeCompare(b.symbol)),
  );
  const unread = createMemo(() => alerts().filter((a) => compareNanos(a.tsEvent, alertsSeenAt()) > 0).length);
  /** The stop orders the OMS announced as triggered (STOP_TRIGGERED alerts). */
  const triggeredStops = createMemo(
    () => new Set(alerts().flatMap((a) => (a.kind === "STOP_TRIGGERED" && a.orderId ? [a.orderId] : []))),
  );

  return {
    live,
    instruments,
    instrument: (symbol: string) => instruments().find((i) => i.symbol === symbol),
    prices,
    priceRows: () => Object.values(prices).sort((a, b) => a.symbol.localeCompare(b.symbol)),
    orders,
    openOrders,
    fills,
    positions,
    accounts,
    risk,
    setRisk,
    alerts,
    unread,
    triggeredStops,
    errors,
    staleSince,
    upsertOrder,
    markAlertsRead() {
      const newest = alerts()[0]?.tsEvent;
      if (!newest) return;
      localStorage.setItem(ALERTS_SEEN_KEY, newest);
      setAlertsSeenAt(newest);
    },
    reloadAccounts: () => load("accounts", getAccounts, setAccounts),
    reloadRisk: () => load("risk", getRisk, setRisk),
    reload: loadAll,
  };
}

function mergeFills(current: Fill[], incoming: Fill[]): Fill[] {
  const byId = new Map(current.map((f) => [f.id, f]));
  for (const fill of incoming) byId.set(fill.id, fill);
  return [...byId.values()].sort((a, b) => compareNanos(b.tsEvent, a.tsEvent));
}

function mergeAlerts(current: Alert[], incoming: Alert[]): Alert[] {
  const byId = new Map(current.map((a) => [a.id, a]));
  for (const alert of incoming) byId.set(alert.id, alert);
  return [...byId.values()].sort((a, b) => compareNanos(b.tsEvent, a.tsEvent));
}
