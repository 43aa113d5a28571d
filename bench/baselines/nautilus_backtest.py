"""nautilus_trader baseline of the bench's backtest-throughput scenario.

    python nautilus_backtest.py --data=bench/out/backtest-data/ticks.csv [--fast=10 --slow=30 --quantity=10 --fee=0.001 --cash=100000000]

Reads the CSV `just backtest --data` reads (ticks: ts,symbol,price,quantity;
bars: ts,symbol,interval,open,high,low,close,volume with ts the bar's open)
and runs the same strategy as JTS's ma-crossover built-in: simple moving
averages of the trade price or the bar's close, buy `quantity` when the fast
one crosses above the slow one while flat, sell the whole position when it
crosses below; equal averages are no signal and leave the last side as it was.
Market orders fill at once against the event's own price (nautilus fills a
market order at the book the last tick or bar close left, as JTS's
`--fill close`), taker fee `fee` on the notional, no latency, no slippage, a
cash account in USD. Prints one `@@result {json}` line.
"""

import argparse
import json
import time
from collections import deque
from decimal import Decimal

import pandas as pd
from nautilus_trader.backtest.engine import BacktestEngine, BacktestEngineConfig
from nautilus_trader.config import LoggingConfig, StrategyConfig
from nautilus_trader.model.currencies import USD
from nautilus_trader.model.data import Bar, BarType, TradeTick
from nautilus_trader.model.enums import AccountType, OmsType, OrderSide, TimeInForce
from nautilus_trader.model.identifiers import InstrumentId, Symbol, TraderId, Venue
from nautilus_trader.model.instruments import Equity
from nautilus_trader.model.objects import Money, Price, Quantity
from nautilus_trader.persistence.wranglers import BarDataWrangler, TradeTickDataWrangler
from nautilus_trader.trading.strategy import Strategy

VENUE = Venue("SIM")


class MaCrossConfig(StrategyConfig, frozen=True):
    instrument_id: InstrumentId
    bar_type: BarType | None = None
    fast: int = 10
    slow: int = 30
    quantity: int = 10


class MaCross(Strategy):
    """JTS's MaCrossover (services/strategy-engine/src/strategies/ma-crossover.ts), event for event."""

    def __init__(self, config: MaCrossConfig):
        super().__init__(config)
        self.fast_window: deque[float] = deque()
        self.slow_window: deque[float] = deque()
        self.fast_sum = 0.0
        self.slow_sum = 0.0
        self.previous_above: bool | None = None
        self.quantity = Quantity.from_int(config.quantity)
        self.fills = 0

    def on_start(self):
        if self.config.bar_type is not None:
            self.subscribe_bars(self.config.bar_type)
        else:
            self.subscribe_trade_ticks(self.config.instrument_id)

    def on_trade_tick(self, tick: TradeTick):
        self.on_price(tick.price.as_double())

    def on_bar(self, bar: Bar):
        self.on_price(bar.close.as_double())

    def on_price(self, price: float):
        cfg = self.config
        # Prices are whole numbers, so these running sums are exact: the same means as JTS's RollingWindow.
        self.fast_window.append(price)
        self.fast_sum += price
        if len(self.fast_window) > cfg.fast:
            self.fast_sum -= self.fast_window.popleft()
        self.slow_window.append(price)
        self.slow_sum += price
        if len(self.slow_window) > cfg.slow:
            self.slow_sum -= self.slow_window.popleft()
        if len(self.slow_window) < cfg.slow:
            return
        fast = self.fast_sum / cfg.fast
        slow = self.slow_sum / cfg.slow
        if fast == slow:
            return
        above = fast > slow
        crossed = self.previous_above is not None and above != self.previous_above
        self.previous_above = above
        if not crossed:
            return
        iid = cfg.instrument_id
        if above:
            if self.portfolio.is_flat(iid):
                self.submit(OrderSide.BUY, self.quantity)
        elif self.portfolio.is_net_long(iid):
            self.submit(OrderSide.SELL, Quantity.from_str(str(self.portfolio.net_position(iid))))

    def submit(self, side: OrderSide, quantity: Quantity):
        order = self.order_factory.market(
            instrument_id=self.config.instrument_id,
            order_side=side,
            quantity=quantity,
            time_in_force=TimeInForce.IOC,
        )
        self.submit_order(order)

    def on_order_filled(self, event):
        self.fills += 1


def load(path: str):
    df = pd.read_csv(path)
    df.index = pd.to_datetime(df["ts"], unit="ns", utc=True)
    return df, "close" in df.columns


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True)
    parser.add_argument("--fast", type=int, default=10)
    parser.add_argument("--slow", type=int, default=30)
    parser.add_argument("--quantity", type=int, default=10)
    parser.add_argument("--fee", default="0.001")
    parser.add_argument("--cash", type=int, default=100_000_000)
    args = parser.parse_args()

    load_start = time.perf_counter()
    df, is_bars = load(args.data)
    symbol = str(df["symbol"].iloc[0])
    instrument = Equity(
        instrument_id=InstrumentId(Symbol(symbol), VENUE),
        raw_symbol=Symbol(symbol),
        currency=USD,
        price_precision=0,
        price_increment=Price.from_str("1"),
        lot_size=Quantity.from_int(1),
        ts_event=0,
        ts_init=0,
        maker_fee=Decimal(args.fee),
        taker_fee=Decimal(args.fee),
    )
    bar_type = None
    if is_bars:
        bar_type = BarType.from_str(f"{instrument.id}-1-MINUTE-LAST-EXTERNAL")
        # nautilus stamps a bar at its close; the CSV at its open.
        df.index = df.index + pd.Timedelta(minutes=1)
        data = BarDataWrangler(bar_type, instrument).process(df[["open", "high", "low", "close", "volume"]].astype("float64"))
    else:
        ticks = pd.DataFrame(
            {
                "price": df["price"].astype("float64"),
                "quantity": df["quantity"].astype("float64"),
                "buyer_maker": False,
                "trade_id": [str(i + 1) for i in range(len(df))],
            },
            index=df.index,
        )
        data = TradeTickDataWrangler(instrument).process(ticks)

    engine = BacktestEngine(
        BacktestEngineConfig(trader_id=TraderId("BENCH-001"), logging=LoggingConfig(log_level="ERROR")),
    )
    engine.add_venue(
        venue=VENUE,
        oms_type=OmsType.NETTING,
        account_type=AccountType.CASH,
        base_currency=USD,
        starting_balances=[Money(args.cash, USD)],
    )
    engine.add_instrument(instrument)
    engine.add_data(data)
    strategy = MaCross(
        MaCrossConfig(
            instrument_id=instrument.id,
            bar_type=bar_type,
            fast=args.fast,
            slow=args.slow,
            quantity=args.quantity,
        ),
    )
    engine.add_strategy(strategy)
    load_seconds = time.perf_counter() - load_start

    cpu0 = time.process_time()
    wall0 = time.perf_counter()
    engine.run()
    wall = time.perf_counter() - wall0
    cpu = time.process_time() - cpu0

    account = engine.portfolio.account(VENUE)
    cash = Decimal(str(account.balance_total(USD).as_decimal()))
    position = engine.portfolio.net_position(instrument.id)
    last = Decimal(str(df["close" if is_bars else "price"].iloc[-1]))
    fills = engine.trader.generate_fills_report()
    fees = Decimal(0)
    for order in engine.cache.orders():
        for commission in order.commissions():
            fees += commission.as_decimal()
    positions = engine.cache.positions(instrument_id=instrument.id)
    round_trips = sum(1 for p in engine.cache.position_snapshots()) + sum(1 for p in positions if p.is_closed)
    result = {
        "engine": "nautilus_trader",
        "events": len(data),
        "loadSeconds": load_seconds,
        "wallSeconds": wall,
        "cpuSeconds": cpu,
        "eventsPerSec": len(data) / wall,
        "eventsPerCpuSec": len(data) / cpu,
        "fills": strategy.fills,
        "fillsReport": len(fills),
        "roundTrips": round_trips,
        "finalEquity": str(cash + Decimal(str(position)) * last),
        "finalPosition": str(position),
        "fees": str(fees),
    }
    engine.dispose()
    print("@@result " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
