import { afterAll, beforeAll } from "bun:test";
import { ClickHouseTickStore, createTestTimeSeries, ensureSchema } from "@jts/kit/clickhouse";
import { MemoryCandleHistory } from "./history.ts";
import { candleHistoryContract } from "./history-contract.ts";

candleHistoryContract("in-memory CandleBook", async () => ({
  history: new MemoryCandleHistory(),
  settle: async () => {},
}));

const ts = createTestTimeSeries();
beforeAll(() => ensureSchema(ts.client, { database: ts.database }));
afterAll(() => ts.close());

candleHistoryContract("ClickHouse (chdb)", async () => {
  // Each test gets empty tables, as the in-memory history starts empty.
  for (const table of ["ticks", "candles_1m"])
    await ts.client.command({ query: `TRUNCATE TABLE ${ts.database}.${table}` });
  const store = new ClickHouseTickStore(ts.client, { database: ts.database });
  return { history: store, settle: () => store.flush() };
});
