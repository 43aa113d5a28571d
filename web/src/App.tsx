import { createSignal, For, type JSX, Match, onCleanup, Show, Switch } from "solid-js";
import { ConnectionIndicator } from "./components/connection-indicator.tsx";
import { LoginForm } from "./components/login-form.tsx";
import { PrefsMenu } from "./components/prefs-menu.tsx";
import { SessionBadge } from "./components/session-badge.tsx";
import { accessToken, logout, refreshSession, role } from "./lib/api.ts";
import { formatTime } from "./lib/format.ts";
import { t } from "./lib/i18n.ts";
import { tradingStateLabel } from "./lib/labels.ts";
import { createTradingStore, type TradingStore } from "./lib/store.ts";
import { createLiveConnection } from "./lib/ws.ts";
import { AlertsScreen } from "./screens/alerts.tsx";
import { BacktestsScreen } from "./screens/backtests.tsx";
import { BlotterScreen } from "./screens/blotter.tsx";
import { MarketsScreen } from "./screens/markets.tsx";
import { OptimizeScreen } from "./screens/optimize.tsx";
import { PortfolioScreen } from "./screens/portfolio.tsx";
import { RiskScreen } from "./screens/risk.tsx";
import { StrategiesScreen } from "./screens/strategies.tsx";

const SCREENS = [
  { id: "markets", label: "tab.markets", icon: "◧" },
  { id: "blotter", label: "tab.blotter", icon: "☰" },
  { id: "portfolio", label: "tab.portfolio", icon: "◔" },
  { id: "strategies", label: "tab.strategies", icon: "⚙" },
  { id: "backtests", label: "tab.backtests", icon: "⟲" },
  { id: "optimize", label: "tab.optimize", icon: "▦" },
  { id: "risk", label: "tab.risk", icon: "⚠" },
  { id: "alerts", label: "tab.alerts", icon: "⚑" },
] as const;
type ScreenId = (typeof SCREENS)[number]["id"];

const screenFromHash = (): ScreenId => {
  const id = location.hash.replace(/^#\/?/, "");
  return SCREENS.some((s) => s.id === id) ? (id as ScreenId) : "markets";
};

export function App() {
  return (
    <Show when={accessToken()} fallback={<SignedOut />}>
      <Desk />
    </Show>
  );
}

function SignedOut() {
  return (
    <>
      <header class="topbar">
        <h1 class="brand">JTS</h1>
        <PrefsMenu />
      </header>
      <main class="center">
        <LoginForm />
      </main>
    </>
  );
}

/** Everything that needs a session; unmounting it (logout, refused refresh) closes the socket. */
function Desk() {
  const live = createLiveConnection({ getToken: accessToken, onUnauthorized: refreshSession });
  onCleanup(live.close);
  const store = createTradingStore(live);
  const [screen, setScreen] = createSignal<ScreenId>(screenFromHash());
  const onHash = () => setScreen(screenFromHash());
  window.addEventListener("hashchange", onHash);
  onCleanup(() => window.removeEventListener("hashchange", onHash));

  const canTrade = () => role() !== "viewer";
  const isAdmin = () => role() === "admin";
  // logout() ends the session, which forgets the remembered account data too.
  const signOut = () => logout();

  return (
    <div class="desk">
      <header class="topbar">
        <h1 class="brand">JTS</h1>
        <TradingStateBadge store={store} />
        <SessionBadge />
        <ConnectionIndicator state={live.state()} />
        <span class="muted small hide-narrow">{role() ?? ""}</span>
        <PrefsMenu />
        <button type="button" class="button button--ghost button--small" onClick={() => void signOut()}>
          {t("logout")}
        </button>
      </header>
      <StaleBanner store={store} />
      <nav class="tabs" aria-label={t("nav.screens")}>
        <For each={SCREENS}>
          {(item) => (
            <a
              href={`#/${item.id}`}
              class="tabs__tab"
              aria-current={screen() === item.id ? "page" : undefined}
              data-screen={item.id}
            >
              <span class="tabs__icon" aria-hidden="true">
                {item.icon}
              </span>
              <span class="tabs__label">{t(item.label)}</span>
              <Show when={item.id === "alerts" && store.unread() > 0}>
                <span class="unread" data-testid="unread-alerts">
                  {store.unread()}
                  <span class="visually-hidden"> {t("nav.unread")}</span>
                </span>
              </Show>
            </a>
          )}
        </For>
      </nav>
      <main class={store.staleSince() !== null ? "main main--stale" : "main"} id="main">
        <Switch>
          <Match when={screen() === "markets"}>
            <MarketsScreen store={store} canTrade={canTrade()} />
          </Match>
          <Match when={screen() === "blotter"}>
            <BlotterScreen store={store} canTrade={canTrade()} />
          </Match>
          <Match when={screen() === "portfolio"}>
            <PortfolioScreen store={store} isAdmin={isAdmin()} />
          </Match>
          <Match when={screen() === "strategies"}>
            <StrategiesScreen canTrade={canTrade()} instruments={store.instruments()} accounts={store.accounts()} />
          </Match>
          <Match when={screen() === "backtests"}>
            <BacktestsScreen canTrade={canTrade()} live={live} />
          </Match>
          <Match when={screen() === "optimize"}>
            <OptimizeScreen canTrade={canTrade()} live={live} />
          </Match>
          <Match when={screen() === "risk"}>
            <RiskScreen store={store} canTrade={canTrade()} isAdmin={isAdmin()} />
          </Match>
          <Match when={screen() === "alerts"}>
            <AlertsScreen store={store} />
          </Match>
        </Switch>
      </main>
    </div>
  );
}

function TradingStateBadge(props: { store: TradingStore }): JSX.Element {
  return (
    <Show when={props.store.risk()}>
      {(risk) => (
        <a href="#/risk" class={`state-badge state-badge--${risk().state.toLowerCase()}`} title={risk().reason}>
          {tradingStateLabel(risk().state)}
        </a>
      )}
    </Show>
  );
}

/** Says plainly when the numbers on screen are not live, and since when. */
function StaleBanner(props: { store: TradingStore }) {
  const [now, setNow] = createSignal(Date.now());
  const timer = setInterval(() => setNow(Date.now()), 1_000);
  onCleanup(() => clearInterval(timer));
  // A short reconnect is not worth a banner; the indicator already shows it.
  const since = () => {
    const at = props.store.staleSince();
    return at !== null && now() - at >= 2_000 ? at : null;
  };
  return (
    <Show when={since()}>
      {(at) => (
        <p class="banner banner--stale" role="status" data-testid="stale-banner">
          {t("stale.banner", { time: formatTime(String(BigInt(at()) * 1_000_000n)) })}
        </p>
      )}
    </Show>
  );
}
