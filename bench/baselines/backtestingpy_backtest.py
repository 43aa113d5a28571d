"""backtesting.py baseline of the bench's backtest-throughput scenario (bars only).

    python backtestingpy_backtest.py --data=bench/out/backtest-data/bars.csv [--fast=10 --slow=30 --quantity=10 --fee=0.001 --cash=100000000]

Reads the bars CSV `just backtest --data` reads
(ts,symbol,interval,open,high,low,close,volume) and runs JTS's ma-crossover
built-in: simple moving averages of the close (pandas rolling means,
precomputed as backtesting.py indicators; the prices are whole numbers, so
they are exact), buy `quantity` units when the fast one crosses above the slow
one while flat, close the position when it crosses below, equal averages no
signal. `trade_on_close=True` fills a market order at the close of the bar
that decided it (JTS's `--fill close`), `commission` on each side's notional,
no spread. Prints one `@@result {json}` line.
"""

import argparse
import json
import math
import os
import time
import warnings

os.environ.setdefault("TQDM_DISABLE", "1")  # backtesting.py's progress bar: noise in the bench's logs

import pandas as pd
from backtesting import Backtest, Strategy


def rolling_mean(values, period: int):
    return pd.Series(values).rolling(period).mean().to_numpy()


class MaCross(Strategy):
    fast = 10
    slow = 30
    quantity = 10

    def init(self):
        self.fast_ma = self.I(rolling_mean, self.data.Close, self.fast)
        self.slow_ma = self.I(rolling_mean, self.data.Close, self.slow)
        self.previous_above = None

    def next(self):
        fast = self.fast_ma[-1]
        slow = self.slow_ma[-1]
        if math.isnan(slow) or fast == slow:
            return
        above = fast > slow
        crossed = self.previous_above is not None and above != self.previous_above
        self.previous_above = above
        if not crossed:
            return
        if above:
            if not self.position:
                self.buy(size=self.quantity)
        elif self.position.is_long:
            self.position.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True)
    parser.add_argument("--fast", type=int, default=10)
    parser.add_argument("--slow", type=int, default=30)
    parser.add_argument("--quantity", type=int, default=10)
    parser.add_argument("--fee", type=float, default=0.001)
    parser.add_argument("--cash", type=int, default=100_000_000)
    args = parser.parse_args()

    load_start = time.perf_counter()
    df = pd.read_csv(args.data)
    if "close" not in df.columns:
        raise SystemExit("backtesting.py trades bars: give the bars CSV")
    bars = pd.DataFrame(
        {
            "Open": df["open"].astype("float64"),
            "High": df["high"].astype("float64"),
            "Low": df["low"].astype("float64"),
            "Close": df["close"].astype("float64"),
            "Volume": df["volume"].astype("float64"),
        },
    )
    bars.index = pd.to_datetime(df["ts"], unit="ns")
    bt = Backtest(
        bars,
        MaCross,
        cash=args.cash,
        commission=args.fee,
        trade_on_close=True,
        exclusive_orders=False,
        finalize_trades=False,
    )
    load_seconds = time.perf_counter() - load_start

    cpu0 = time.process_time()
    wall0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        stats = bt.run(fast=args.fast, slow=args.slow, quantity=args.quantity)
    wall = time.perf_counter() - wall0
    cpu = time.process_time() - cpu0

    strategy = stats._strategy
    closed = len(strategy.closed_trades)
    still_open = len(strategy.trades)
    trades = stats._trades
    fees = float(trades["Commission"].sum()) if "Commission" in trades else float("nan")
    events = len(bars)
    print(
        "@@result "
        + json.dumps(
            {
                "engine": "backtesting.py",
                "events": events,
                "loadSeconds": load_seconds,
                "wallSeconds": wall,
                "cpuSeconds": cpu,
                "eventsPerSec": events / wall,
                "eventsPerCpuSec": events / cpu,
                "fills": 2 * closed + still_open,
                "roundTrips": closed,
                "finalEquity": f"{float(stats['Equity Final [$]']):.6f}",
                "finalPosition": str(strategy.position.size),
                "fees": f"{fees:.6f}",
            },
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
