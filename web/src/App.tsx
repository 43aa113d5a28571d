import { createResource, onCleanup, Show } from "solid-js";
import { ConnectionIndicator } from "./components/connection-indicator.tsx";
import { LoginForm } from "./components/login-form.tsx";
import { OrderForm } from "./components/order-form.tsx";
import { PositionsTable } from "./components/positions-table.tsx";
import { PricesTable } from "./components/prices-table.tsx";
import { createOrderFeed, RecentOrders } from "./components/recent-orders.tsx";
import { accessToken, getInstruments, logout, refreshSession } from "./lib/api.ts";
import { createLiveConnection } from "./lib/ws.ts";

export function App() {
  return (
    <Show when={accessToken()} fallback={<SignedOut />}>
      <Dashboard />
    </Show>
  );
}

function SignedOut() {
  return (
    <>
      <header class="topbar">
        <h1 class="brand">JTS</h1>
      </header>
      <main class="center">
        <LoginForm />
      </main>
    </>
  );
}

/** Everything that needs a session; unmounting it (logout, refused refresh) closes the socket. */
function Dashboard() {
  const live = createLiveConnection({ getToken: accessToken, onUnauthorized: refreshSession });
  onCleanup(live.close);
  const [instrumentList] = createResource(getInstruments);
  const instruments = () => (instrumentList.state === "ready" ? instrumentList() : []);
  const instrumentsError = () => {
    const error: unknown = instrumentList.error;
    return error ? (error instanceof Error ? error.message : String(error)) : null;
  };
  const orders = createOrderFeed(live);

  return (
    <>
      <header class="topbar">
        <h1 class="brand">JTS</h1>
        <ConnectionIndicator state={live.state()} />
        <button type="button" class="button button--ghost" onClick={() => void logout()}>
          Log out
        </button>
      </header>
      <Show when={instrumentsError()}>
        {(message) => (
          <p class="message message--error banner" role="alert">
            Could not load instruments: {message()}
          </p>
        )}
      </Show>
      <main class="grid">
        <PricesTable instruments={instruments()} live={live} />
        <OrderForm instruments={instruments()} onPlaced={orders.upsert} />
        <PositionsTable live={live} />
        <RecentOrders feed={orders} />
      </main>
    </>
  );
}
