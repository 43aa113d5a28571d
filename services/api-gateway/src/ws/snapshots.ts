import { type LastPrice, Subjects, type Tick, wsChannelParts } from "@jts/contracts";
import type { Logger, RpcClient } from "@jts/kit";
import { riskStatusFor } from "../routes/risk.ts";

/** The newest orders and fills a subscribe sends. */
export const SNAPSHOT_ITEMS = 100;

/**
 * What a subscribe sends before the live stream: per channel, the current
 * state read over rpc (the last price as a tick, the latest candles, the
 * newest orders, fills and alerts oldest first, positions, the risk status),
 * of the user's accounts only (`accounts` undefined: every account, an
 * admin's). A channel whose read fails gets no snapshot, and a warning; the
 * others still do. The prices are read once however many tickers are asked.
 */
export async function readSnapshots(
  rpc: RpcClient,
  logger: Logger,
  channels: readonly string[],
  accounts: string[] | undefined,
): Promise<unknown[][]> {
  let prices: Promise<LastPrice[]> | undefined;
  const pricesOnce = () => {
    prices ??= rpc.call(Subjects.prices);
    return prices;
  };
  return Promise.all(
    channels.map((channel) =>
      snapshotItems(rpc, channel, accounts, pricesOnce).catch((error: unknown) => {
        logger.warn("snapshot failed", { channel, error: (error as Error).message });
        return [];
      }),
    ),
  );
}

async function snapshotItems(
  rpc: RpcClient,
  channel: string,
  accounts: string[] | undefined,
  prices: () => Promise<LastPrice[]>,
): Promise<unknown[]> {
  const { kind, symbol, interval } = wsChannelParts(channel);
  switch (kind) {
    case "ticker": {
      const last = (await prices()).find((p) => p.symbol === symbol);
      if (!last) return [];
      const tick: Tick = {
        symbol: last.symbol,
        venue: last.venue,
        price: last.price,
        quantity: "0",
        aggressor: "NONE",
        tradeId: "snapshot",
        tsEvent: last.ts,
      };
      return [tick];
    }
    case "candles":
      return rpc.call(Subjects.candles, { symbol, interval, limit: 200 });
    // Exactly the page it sends: the OMS reads 100 rows, not the whole table.
    case "orders":
      return (await rpc.call(Subjects.orderList, { accounts, limit: SNAPSHOT_ITEMS })).reverse();
    case "fills":
      return (await rpc.call(Subjects.fillList, { accounts, limit: SNAPSHOT_ITEMS })).reverse();
    case "positions":
      return rpc.call(Subjects.positions, { accounts });
    case "alerts":
      return (await rpc.call(Subjects.alertList, { accounts, limit: 50 })).reverse();
    case "risk":
      return [riskStatusFor(await rpc.call(Subjects.riskStatus), accounts)];
    default:
      return [];
  }
}
