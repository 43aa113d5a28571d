import { afterEach, describe, expect, mock, test } from "bun:test";
import type { Account, Instrument, StrategyKindInfo } from "@jts/contracts";

const { flush, mount, useDom } = await import("./dom.ts");
useDom(); // also puts the real fetch back after this file

/** What the gateway was asked, and its answers: the form goes through the real api.ts (Eden). */
let calls: Array<{ method: string; path: string; body: unknown }> = [];
let answer: (method: string, path: string) => Response = () => new Response("no handler", { status: 500 });
globalThis.fetch = (async (input: RequestInfo | URL, init: RequestInit = {}) => {
  const url = new URL(typeof input === "string" ? input : input instanceof URL ? input.href : input.url, location.href);
  const method = init.method ?? "GET";
  calls.push({ method, path: url.pathname, body: typeof init.body === "string" ? JSON.parse(init.body) : undefined });
  return answer(method, url.pathname);
}) as typeof fetch;

const { NewStrategy } = await import("../src/screens/strategies.tsx");

/** The kinds as the strategy engine publishes them: TypeBox schemas are plain JSON Schema. */
const DECIMAL = { type: "string", pattern: "^(0|[1-9][0-9]*)(\\.[0-9]+)?$" };
const KINDS: StrategyKindInfo[] = [
  {
    kind: "ma-crossover",
    description: "Moving-average crossover, long only",
    params: {
      type: "object",
      additionalProperties: false,
      required: ["fastPeriod", "slowPeriod", "quantity"],
      properties: {
        fastPeriod: { type: "integer", minimum: 1, maximum: 500 },
        slowPeriod: { type: "integer", minimum: 2, maximum: 2000 },
        quantity: DECIMAL,
      },
    },
  },
  {
    kind: "bollinger",
    description: "Bollinger mean reversion, long only",
    params: {
      type: "object",
      required: ["period", "width", "quantity"],
      properties: {
        period: { type: "integer", minimum: 2, maximum: 2000 },
        width: { type: "number", exclusiveMinimum: 0, maximum: 10, description: "Band width in standard deviations." },
        quantity: DECIMAL,
      },
    },
  },
];

const instrument = (symbol: string, venue: string) => ({ symbol, venue }) as Instrument;
const account = (id: string) => ({ id, mode: "PAPER" }) as Account;

afterEach(() => {
  calls = [];
});

async function mountForm(onCreated = mock(async () => {})) {
  const t = mount(() =>
    NewStrategy({
      instruments: [instrument("BTC-KRW", "sim"), instrument("005930", "kis")],
      accounts: [account("paper-main"), account("paper-two")],
      onCreated,
    }),
  );
  await flush(); // the kinds arrive
  const fieldNames = () =>
    [...t.root.querySelectorAll<HTMLInputElement>("input[name^=param-]")].map((i) => i.name.replace(/^param-/, ""));
  const submit = async () => {
    t.submit();
    await flush();
    await flush();
  };
  return { ...t, fieldNames, submit, onCreated };
}

describe("new strategy form", () => {
  test("opens on request and shows the chosen kind's parameters from its schema", async () => {
    answer = () => Response.json(KINDS);
    const t = await mountForm();
    expect(t.$("form")).toBeNull();
    t.button("New strategy…")?.click();
    expect(calls).toEqual([{ method: "GET", path: "/api/strategies/kinds", body: undefined }]);
    expect([...t.$<HTMLSelectElement>("select[name=kind]").options].map((o) => o.value)).toEqual([
      "ma-crossover",
      "bollinger",
    ]);
    expect(t.fieldNames()).toEqual(["fastPeriod", "slowPeriod", "quantity"]);
    expect(t.root.textContent).toContain("fastPeriod (1 to 500)");
    t.choose("kind", "bollinger");
    expect(t.fieldNames()).toEqual(["period", "width", "quantity"]);
    expect(t.root.textContent).toContain("Bollinger mean reversion, long only");
    expect(t.root.textContent).toContain("width (> 0, up to 10)");
    expect(t.root.textContent).toContain("Band width in standard deviations.");
  });

  test("creates the strategy with typed parameters, the instrument's venue and the chosen account", async () => {
    answer = (method) =>
      method === "GET"
        ? Response.json(KINDS)
        : Response.json({ config: { id: "bb-1" }, running: false }, { status: 200 });
    const t = await mountForm();
    t.button("New strategy…")?.click();
    t.type("id", " bb-1 ");
    t.choose("kind", "bollinger");
    t.choose("symbol", "005930");
    t.choose("account", "paper-two");
    t.choose("timeframe", "5m");
    t.type("param-period", "20");
    t.type("param-width", "2.5");
    t.type("param-quantity", "3");
    await t.submit();
    expect(calls.at(-1)).toEqual({
      method: "POST",
      path: "/api/strategies",
      body: {
        id: "bb-1",
        kind: "bollinger",
        symbol: "005930",
        venue: "kis",
        account: "paper-two",
        timeframe: "5m",
        params: { period: 20, width: 2.5, quantity: "3" },
      },
    });
    expect(t.onCreated).toHaveBeenCalledTimes(1);
    expect(t.$("[role=status]").textContent).toBe("Strategy bb-1 created (stopped)");
    expect(t.$<HTMLInputElement>("[name=id]").value).toBe("");
  });

  test("the server's reasons are shown when it refuses the parameters, and nothing is reloaded", async () => {
    answer = (method) =>
      method === "GET"
        ? Response.json(KINDS)
        : Response.json(
            {
              error: {
                code: "BAD_REQUEST",
                message: "invalid ma-crossover parameters: slowPeriod: must be above fastPeriod",
                details: { problems: ["slowPeriod: must be above fastPeriod"] },
              },
            },
            { status: 400 },
          );
    const t = await mountForm();
    t.button("New strategy…")?.click();
    t.type("id", "ma-2");
    t.type("param-fastPeriod", "30");
    t.type("param-slowPeriod", "10");
    await t.submit();
    expect(calls.at(-1)?.body).toMatchObject({
      kind: "ma-crossover",
      symbol: "BTC-KRW",
      venue: "sim",
      account: "paper-main",
      timeframe: "1m",
      params: { fastPeriod: 30, slowPeriod: 10 },
    });
    expect(t.$("[role=alert]").textContent).toBe(
      "invalid ma-crossover parameters: slowPeriod: must be above fastPeriod",
    );
    expect(t.onCreated).not.toHaveBeenCalled();
  });

  test("without an id nothing is sent", async () => {
    answer = () => Response.json(KINDS);
    const t = await mountForm();
    t.button("New strategy…")?.click();
    await t.submit();
    expect(calls.filter((c) => c.method === "POST")).toEqual([]);
    expect(t.$("[role=alert]").textContent).toBe("An id, a kind and an instrument are needed");
  });
});
