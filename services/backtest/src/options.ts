import { parseArgs } from "node:util";
import { KRX_MARKETS } from "@jts/broker-paper";
import {
  type CandleInterval,
  fx,
  RiskLimits,
  STRATEGY_KINDS,
  type StrategyKind,
  type StrategyParams,
} from "@jts/contracts";
import { compile } from "@jts/kit";
import { DEFAULT_RISK_LIMITS } from "@jts/risk-management";
import { paramProblems } from "@jts/strategy-engine";
import type { FillAt } from "./backtest.ts";
import { DEFAULT_BACKTEST_PARAMS } from "./defaults.ts";
import type { InstrumentFlags } from "./instrument.ts";
import type { Direction, Sizing } from "./sizing.ts";

export const USAGE = `usage: just backtest [options]
Data
  --data FILE             CSV of ticks (ts,symbol,price,quantity) or candles
                          (ts,symbol,interval,open,high,low,close,volume); default: the generated sample
  --clickhouse SYMBOL     replay stored candles instead (CLICKHOUSE_URL, else chdb at CHDB_PATH or .data/chdb)
  --interval 1m|5m|1h|1d  candle interval for --clickhouse (default 1m)
  --from ISO --to ISO     time range for --clickhouse
  --symbol SYMBOL         which symbol of the data to trade (default: the first)
Strategy
  --strategy KIND         ${STRATEGY_KINDS.join(" | ")} (default ma-crossover)
  --params JSON           strategy parameters (default: sized for BTC-KRW 1m bars)
  --cooldown-ms N         least market time between orders (default 0)
Execution
  --fill next-open|close  fill at the next bar's open (default; the next tick for tick data)
                          or at once on the bar's close the order was decided on
  --sizing MODE           entry size: params (default: the strategy's quantity), quantity:Q,
                          notional:N (quote currency), equity:PCT (of equity, fee and --slippage-bps
                          included, so equity:100 passes risk's cash check); every entry still meets
                          --limits: with the defaults an order above ${DEFAULT_RISK_LIMITS.maxOrderNotional} is refused
  --direction D           long-only (default; a cash account: a MARKET buy is cut at its fill to the
                          cash it can pay, e.g. after a gap up) or long-short (a margin account:
                          an exit signal also opens a short, an entry covers it)
  --limits JSON           risk limits of the run, as PUT /api/risk/limits takes them (default: the risk
                          service's: maxOrderNotional ${DEFAULT_RISK_LIMITS.maxOrderNotional}, maxPositionNotional ${DEFAULT_RISK_LIMITS.maxPositionNotional},
                          no loss or exposure limit); a MARKET buy reserves cash at the price plus --slippage-bps
  --cash DECIMAL          starting cash in the instrument's currency (default 100000000)
  --fee RATE              maker and taker fee of the run, e.g. 0.0005 (default: the instrument's)
  --sell-tax RATE         flat tax on KRX stock sells (default: the dated KRX table's rate on each trade's date; 0 = none)
  --slippage-bps N        the quote moves N bps against every taker (default 0)
  --sessions S            auto (default: KRX hours for a stock in KRW, 24/7 otherwise) | krx | 24/7
  --holidays FILE         KRX holidays, one YYYY-MM-DD a line (default: none; weekends are always closed)
Instrument (required for a symbol the simulated venue does not list; BTC-KRW, ETH-KRW, 005930 are)
  --instrument FILE       JSON: one instrument, an array, or an object keyed by symbol
                          (quote, kind, market, tickSize, lotSize, minQuantity, minNotional, makerFee, takerFee)
  --currency CCY          quote currency (the one field a new symbol must have)
  --kind CRYPTO|STOCK     (default CRYPTO)
  --market M              KOSPI | KOSDAQ | KONEX: required for a STOCK priced in KRW (its KRX sell tax
                          depends on it; no default is guessed)
  --tick DECIMAL          price step (default 0.00000001)
  --lot DECIMAL           quantity step and minimum (default 0.00000001)
Output
  --out DIR               report directory (default .data/backtests/<kind>-<symbol>-<time>)
  --progress              a progress bar on stderr even when it is not a terminal
  --quiet                 no progress bar (default: one on a terminal only)
  --generate-sample FILE  write the sample data set as CSV and exit
  --help`;

export interface CliSettings {
  help: boolean;
  generateSample?: string;
  data?: string;
  clickhouse?: { symbol: string; interval: CandleInterval; from?: string; to?: string };
  symbol?: string;
  kind: StrategyKind;
  params: StrategyParams;
  cooldownMs: number;
  fillAt: FillAt;
  sizing: Sizing;
  direction: Direction;
  cash: string;
  limits: RiskLimits;
  fee?: string;
  sellTax?: string;
  slippageBps: number;
  sessions: "auto" | "krx" | "24/7";
  holidaysFile?: string;
  instrumentFile?: string;
  instrument: InstrumentFlags;
  out?: string;
  progress: "auto" | "always" | "never";
}

export class OptionError extends Error {}

const checkLimits = compile(RiskLimits);

const INTERVALS = ["1m", "5m", "1h", "1d"] as const;

/** Every flag checked before anything runs; a bad one throws an OptionError naming the flag and what it takes. */
export function parseOptions(argv: string[]): CliSettings {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        data: { type: "string" },
        clickhouse: { type: "string" },
        interval: { type: "string" },
        from: { type: "string" },
        to: { type: "string" },
        strategy: { type: "string" },
        params: { type: "string" },
        symbol: { type: "string" },
        cash: { type: "string" },
        limits: { type: "string" },
        "cooldown-ms": { type: "string" },
        fill: { type: "string" },
        sizing: { type: "string" },
        direction: { type: "string" },
        fee: { type: "string" },
        "sell-tax": { type: "string" },
        "slippage-bps": { type: "string" },
        sessions: { type: "string" },
        holidays: { type: "string" },
        instrument: { type: "string" },
        currency: { type: "string" },
        kind: { type: "string" },
        market: { type: "string" },
        tick: { type: "string" },
        lot: { type: "string" },
        out: { type: "string" },
        "generate-sample": { type: "string" },
        progress: { type: "boolean" },
        quiet: { type: "boolean" },
        help: { type: "boolean" },
      },
    }));
  } catch (error) {
    throw new OptionError(`${(error as Error).message.split(". ")[0]}; see --help`);
  }
  const str = (name: string) => values[name] as string | undefined;
  const oneOf = <T extends string>(name: string, allowed: readonly T[], fallback: T): T => {
    const value = str(name) ?? fallback;
    if (!allowed.includes(value as T))
      throw new OptionError(`--${name} ${value}: expected one of ${allowed.join(", ")}`);
    return value as T;
  };
  const kind = oneOf("strategy", STRATEGY_KINDS, "ma-crossover");
  const params = parseParams(kind, str("params"));
  const cooldown = str("cooldown-ms") ?? "0";
  if (!/^\d{1,10}$/.test(cooldown)) throw new OptionError(`--cooldown-ms ${cooldown}: expected a whole number of ms`);
  const slippage = str("slippage-bps") ?? "0";
  const slippageBps = Number(slippage);
  if (!/^\d+(\.\d+)?$/.test(slippage) || slippageBps > 10_000)
    throw new OptionError(`--slippage-bps ${slippage}: expected a number of basis points from 0 to 10000`);
  const interval = oneOf("interval", INTERVALS, "1m");
  const clickhouse = str("clickhouse");
  if (clickhouse && str("data")) throw new OptionError("--data and --clickhouse: give one source, not both");
  const time = (name: string) => {
    const value = str(name);
    if (value === undefined) return undefined;
    const ms = Date.parse(value);
    if (Number.isNaN(ms)) throw new OptionError(`--${name} ${value}: expected an ISO 8601 time`);
    return String(BigInt(ms) * 1_000_000n);
  };
  const from = time("from");
  const to = time("to");
  if (from && to && BigInt(from) >= BigInt(to)) throw new OptionError("--from must be before --to");
  const progress = values.quiet ? "never" : values.progress ? "always" : "auto";
  return {
    help: values.help === true,
    generateSample: str("generate-sample"),
    data: str("data"),
    clickhouse: clickhouse
      ? { symbol: clickhouse, interval, ...(from ? { from } : {}), ...(to ? { to } : {}) }
      : undefined,
    symbol: str("symbol"),
    kind,
    params,
    cooldownMs: Number(cooldown),
    fillAt: oneOf("fill", ["next-open", "close"] as const, "next-open"),
    sizing: parseSizing(str("sizing") ?? "params"),
    direction: oneOf("direction", ["long-only", "long-short"] as const, "long-only"),
    cash: decimal("cash", str("cash") ?? "100000000", { positive: true }),
    limits: parseLimits(str("limits")),
    fee: rate("fee", str("fee")),
    sellTax: rate("sell-tax", str("sell-tax")),
    slippageBps,
    sessions: oneOf("sessions", ["auto", "krx", "24/7"] as const, "auto"),
    holidaysFile: str("holidays"),
    instrumentFile: str("instrument"),
    instrument: {
      currency: currency(str("currency")),
      kind: str("kind") === undefined ? undefined : oneOf("kind", ["CRYPTO", "STOCK"] as const, "CRYPTO"),
      market: str("market") === undefined ? undefined : oneOf("market", KRX_MARKETS, "KOSPI"),
      tick: optionalDecimal("tick", str("tick")),
      lot: optionalDecimal("lot", str("lot")),
      fee: rate("fee", str("fee")),
    },
    out: str("out"),
    progress,
  };
}

function parseParams(kind: StrategyKind, text: string | undefined): StrategyParams {
  let params: StrategyParams;
  try {
    params = text === undefined ? DEFAULT_BACKTEST_PARAMS[kind] : JSON.parse(text);
  } catch (error) {
    throw new OptionError(`--params is not JSON: ${(error as Error).message}`);
  }
  const problems = paramProblems(kind, params);
  if (problems.length > 0) throw new OptionError(`invalid ${kind} parameters:\n  ${problems.join("\n  ")}`);
  return params;
}

function parseLimits(text: string | undefined): RiskLimits {
  if (text === undefined) return DEFAULT_RISK_LIMITS;
  let limits: unknown;
  try {
    limits = JSON.parse(text);
  } catch (error) {
    throw new OptionError(`--limits is not JSON: ${(error as Error).message}`);
  }
  try {
    return checkLimits.parse(limits);
  } catch (error) {
    throw new OptionError(`--limits: ${(error as Error).message}`);
  }
}

/** `params`, `quantity:Q`, `notional:N` or `equity:PCT`. */
export function parseSizing(text: string): Sizing {
  const [mode, value, ...rest] = text.split(":");
  const bad = (why: string) => new OptionError(`--sizing ${text}: ${why}`);
  if (mode === "params" && value === undefined) return { mode: "params" };
  if (value === undefined || rest.length > 0) throw bad("expected params, quantity:Q, notional:N or equity:PCT");
  if (mode === "quantity") return { mode, quantity: decimal("sizing quantity", value, { positive: true }) };
  if (mode === "notional") return { mode, notional: decimal("sizing notional", value, { positive: true }) };
  if (mode === "equity") {
    const percent = decimal("sizing equity", value, { positive: true });
    if (fx.toFixed(percent) > fx.toFixed("100")) throw bad("a share of equity is at most 100 (percent)");
    return { mode, percent };
  }
  throw bad("expected params, quantity:Q, notional:N or equity:PCT");
}

function decimal(name: string, value: string, { positive = false } = {}): string {
  let fixed: bigint;
  try {
    fixed = fx.toFixed(value);
  } catch {
    throw new OptionError(`--${name} ${value}: expected a plain decimal (at most 9 places)`);
  }
  if (positive ? fixed <= 0n : fixed < 0n)
    throw new OptionError(`--${name} ${value}: must be ${positive ? "greater than zero" : "zero or more"}`);
  return fx.fromFixed(fixed);
}

function optionalDecimal(name: string, value: string | undefined): string | undefined {
  return value === undefined ? undefined : decimal(name, value, { positive: true });
}

/** A fee or tax rate: a fraction from 0 up to (not including) 1. */
function rate(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const checked = decimal(name, value);
  if (fx.toFixed(checked) >= fx.toFixed("1"))
    throw new OptionError(`--${name} ${value}: a rate is a fraction below 1 (0.0005 = 0.05%)`);
  return checked;
}

function currency(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!/^[A-Z]{2,6}$/.test(value)) throw new OptionError(`--currency ${value}: expected a code like KRW or USDT`);
  return value;
}
