/**
 * The platform as `just dev` composes it (bootPlatform, in-memory ports,
 * every service on its own ephemeral loopback port), for the gateway and
 * WebSocket scenarios. Settings come as `--set NAME=value` flags.
 * Prints `@@ready {urls}`, then reads commands from stdin:
 *   ticks <perSecond> <seconds> <symbol> <tag>  publish ticks on the bus (tsEvent = tsInit), then `@@done`
 *   stop                                           shut down
 */
import { EventTypes, type Tick, Topics } from "@jts/contracts";
import { envelope } from "@jts/kit";
import { commands, emit, runChild } from "../lib/child.ts";
import { paceConstantRate } from "../lib/pacer.ts";
import { bootBenchPlatform } from "../lib/platform.ts";

runChild(async () => {
  const settings: Record<string, string> = {};
  for (const arg of process.argv.slice(2)) {
    const match = arg.match(/^--set=([A-Z0-9_]+)=(.*)$/);
    if (match) settings[match[1] as string] = match[2] as string;
  }
  const keepFeed = process.argv.includes("--keep-feed");
  const platform = await bootBenchPlatform(settings, { keepFeed });
  emit("ready", { urls: platform.urls, pid: process.pid });
  let seq = 0;
  for await (const line of commands()) {
    const [command, ...rest] = line.split(/\s+/);
    if (command === "stop") break;
    if (command === "ticks") {
      const [perSecond = "100", seconds = "10", symbol = "BTC-KRW", tag = "m"] = rest;
      const paced = await paceConstantRate(
        Number(perSecond),
        Number(seconds) * 1000,
        () => {
          seq++;
          const tick: Tick = {
            symbol,
            venue: "sim",
            price: String(150_000_000 + (seq % 100) * 1000),
            quantity: "0.001",
            aggressor: seq % 2 ? "BUY" : "SELL",
            tradeId: `${tag}${seq}`,
            tsEvent: "0",
          };
          const event = envelope(EventTypes.tick, "bench", symbol, tick);
          tick.tsEvent = event.tsInit;
          void platform.runtime.bus.publish(Topics.tick("sim", symbol), event);
          return 1;
        },
        "timer",
      );
      emit("done", { published: paced.sent, elapsedMs: paced.elapsedMs });
    }
  }
  await platform.stop();
});
