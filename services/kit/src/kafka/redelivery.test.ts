import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { join } from "node:path";
import { envelope } from "../events/envelope.ts";
import { eventually } from "../testing/eventually.ts";
import { serverUrl } from "../testing/servers.ts";
import { KafkaEventBus } from "./event-bus.ts";

// Offsets are committed in the background (OffsetCommitter): what a crash can cost is a redelivery, never a loss.
const brokers = serverUrl("KAFKA_BROKERS");

/** A group member in a process of its own that prints each event it handles, and commits only on close. */
function member(namespace: string) {
  const code = `
    import { KafkaEventBus } from ${JSON.stringify(join(import.meta.dir, "event-bus.ts"))};
    const bus = await KafkaEventBus.create({ brokers: ${JSON.stringify((brokers ?? "").split(","))}, namespace: ${JSON.stringify(namespace)}, topics: [], commitIntervalMs: 600000 });
    await bus.subscribe("crash.orders", (e) => console.log("handled " + e.payload.n), { group: "crash-group" });
    console.log("ready");
  `;
  const child = Bun.spawn(["bun", "-e", code], { stdout: "pipe", stderr: "inherit" });
  const lines: string[] = [];
  void (async () => {
    const decoder = new TextDecoder();
    let buffered = "";
    for await (const chunk of child.stdout) {
      buffered += decoder.decode(chunk);
      const parts = buffered.split("\n");
      buffered = parts.pop() ?? "";
      lines.push(...parts);
    }
  })();
  return { child, lines };
}

describe.skipIf(!brokers)(`Kafka redelivery after a crash${brokers ? "" : " (skipped: KAFKA_BROKERS not set)"}`, () => {
  const namespace = `crash${Date.now()}.`;
  let bus: KafkaEventBus;
  beforeAll(async () => {
    bus = await KafkaEventBus.create({ brokers: (brokers as string).split(","), namespace, topics: [] });
  }, 30_000);
  afterAll(async () => {
    await bus.close();
  });

  it("a member killed before committing leaves its handled events to the next member, and loses nothing published while it was down", async () => {
    const crashed = member(namespace);
    await eventually(() => expect(crashed.lines).toContain("ready"), 30_000);
    for (let n = 1; n <= 3; n++) await bus.publish("crash.orders", envelope("T", "test", `k${n}`, { n }));
    await eventually(() => expect(crashed.lines.filter((l) => l.startsWith("handled")).length).toBe(3), 20_000);
    crashed.child.kill("SIGKILL");
    await crashed.child.exited;
    await bus.publish("crash.orders", envelope("T", "test", "k4", { n: 4 }));

    const seen: number[] = [];
    await bus.subscribe("crash.orders", (e) => void seen.push((e.payload as { n: number }).n), {
      group: "crash-group",
    });
    // Handled but not committed: delivered again (at-least-once), and the one published meanwhile too.
    await eventually(() => expect([...seen].sort()).toEqual([1, 2, 3, 4]), 30_000);
  }, 90_000);

  it("a member that closes commits what it handled: the next member starts after it (no duplicates)", async () => {
    const first = await KafkaEventBus.create({
      brokers: (brokers as string).split(","),
      namespace,
      topics: [],
      commitIntervalMs: 600_000,
    });
    const handled: number[] = [];
    await first.subscribe("clean.orders", (e) => void handled.push((e.payload as { n: number }).n), {
      group: "clean-group",
    });
    for (let n = 1; n <= 3; n++) await bus.publish("clean.orders", envelope("T", "test", `k${n}`, { n }));
    await eventually(() => expect(handled.length).toBe(3), 20_000);
    await first.close();

    const seen: number[] = [];
    await bus.subscribe("clean.orders", (e) => void seen.push((e.payload as { n: number }).n), {
      group: "clean-group",
    });
    await bus.publish("clean.orders", envelope("T", "test", "k5", { n: 5 }));
    await eventually(() => expect(seen).toEqual([5]), 20_000);
  }, 60_000);
});
