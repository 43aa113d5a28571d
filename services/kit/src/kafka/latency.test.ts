import { describe, expect, it } from "bun:test";
import type { Consumer, Producer, ProducerBatch } from "kafkajs";
import { eventually } from "../testing/eventually.ts";
import { CoalescingProducer, OffsetCommitter } from "./latency.ts";

/** Producers whose requests the test answers one by one; `producers` counts the ones created (and connected). */
function fakeProducer() {
  const requests: Array<{ batch: ProducerBatch; producer: number; ack: () => void; fail: (error: Error) => void }> = [];
  let producers = 0;
  const create = () => {
    const producer = ++producers;
    return {
      connect: async () => {},
      disconnect: async () => {},
      sendBatch: (batch: ProducerBatch) =>
        new Promise((resolve, reject) => {
          requests.push({ batch, producer, ack: () => resolve([]), fail: reject });
        }),
    } as unknown as Producer;
  };
  const values = (i: number) =>
    (requests[i]?.batch.topicMessages ?? []).flatMap((t) => t.messages.map((m) => `${t.topic}:${m.value}`));
  return { create, requests, values, producers: () => producers };
}

/** What kafkajs throws when the broker refuses a message for good (MESSAGE_TOO_LARGE). */
function refused(): Error {
  return Object.assign(new Error("The request included a message larger than the max message size"), {
    name: "KafkaJSProtocolError",
    retriable: false,
  });
}

async function connectedSender(create: () => Producer) {
  const sender = new CoalescingProducer(create);
  await sender.connect();
  return sender;
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("CoalescingProducer", () => {
  it("sends an idle producer's publish at once and the ones made meanwhile together, in call order", async () => {
    const { create, requests, values } = fakeProducer();
    const sender = await connectedSender(create);
    const settled: string[] = [];
    const publish = (topic: string, value: string) =>
      sender.send(topic, { key: "k", value }).then(() => void settled.push(value));
    const first = publish("t", "1");
    await tick();
    expect(requests.length).toBe(1);
    expect(values(0)).toEqual(["t:1"]);
    const rest = [publish("t", "2"), publish("u", "3"), publish("t", "4")];
    await tick();
    expect(requests.length).toBe(1); // one request in flight: the rest wait for it
    expect(settled).toEqual([]); // nothing resolves before the broker acknowledged it
    requests[0]?.ack();
    await first;
    await tick();
    expect(requests.length).toBe(2);
    expect(values(1)).toEqual(["t:2", "t:4", "u:3"]); // per topic in call order (order is per key, per topic)
    requests[1]?.ack();
    await Promise.all(rest);
    expect(settled).toEqual(["1", "2", "3", "4"]);
  });

  it("after a failed request re-sends its messages one per request on a new producer: a refused one fails alone", async () => {
    const { create, requests, values, producers } = fakeProducer();
    const sender = await connectedSender(create);
    const first = sender.send("t", { value: "1" });
    await tick();
    const batch = ["2", "big", "3"].map((value) => sender.send(value === "big" ? "u" : "t", { value }));
    const outcomes = Promise.allSettled(batch);
    requests[0]?.ack();
    await first;
    await tick();
    expect(values(1)).toEqual(["t:2", "t:3", "u:big"]);
    const later = sender.send("t", { value: "4" }); // queued behind the re-sends
    requests[1]?.fail(refused());
    // kafkajs rolled back the sequences of t's partition although the broker stored 2 and 3: a new producer.
    for (const [i, answer] of [
      [2, "ack"],
      [3, "fail"],
      [4, "ack"],
    ] as const) {
      await eventually(() => expect(requests.length).toBe(i + 1));
      if (answer === "ack") requests[i]?.ack();
      else requests[i]?.fail(refused());
    }
    expect([values(2), values(3), values(4)]).toEqual([["t:2"], ["u:big"], ["t:3"]]);
    expect(requests.slice(2).map((r) => r.producer)).toEqual([2, 2, 3]); // a new one after each failed request
    expect((await outcomes).map((o) => o.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    await eventually(() => expect(requests.length).toBe(6));
    expect(values(5)).toEqual(["t:4"]);
    requests[5]?.ack();
    await later;
    expect(producers()).toBe(3);
  });

  it("rejects the rest of a failed request when a re-sent message fails for a reason not its own", async () => {
    const { create, requests, producers } = fakeProducer();
    const sender = await connectedSender(create);
    const first = sender.send("t", { value: "1" });
    await tick();
    const second = sender.send("t", { value: "2" });
    const third = sender.send("t", { value: "3" });
    requests[0]?.ack();
    await first;
    await tick();
    const outcomes = Promise.allSettled([second, third]);
    requests[1]?.fail(new Error("NOT_ENOUGH_REPLICAS"));
    await eventually(() => expect(requests.length).toBe(3));
    requests[2]?.fail(new Error("NOT_ENOUGH_REPLICAS")); // 2 alone: the broker, not the message
    const reasons = (await outcomes).map((o) => (o.status === "rejected" ? (o.reason as Error).message : o.status));
    expect(reasons).toEqual(["NOT_ENOUGH_REPLICAS", "NOT_ENOUGH_REPLICAS"]);
    expect(requests.length).toBe(3); // 3 was not tried alone
    const fourth = sender.send("t", { value: "4" });
    await eventually(() => expect(requests.length).toBe(4));
    expect(requests[3]?.producer).toBe(producers()); // on a fresh producer
    expect(producers()).toBe(3);
    requests[3]?.ack();
    await fourth;
  });

  it("drain waits for everything queued", async () => {
    const { create, requests } = fakeProducer();
    const sender = await connectedSender(create);
    void sender.send("t", { value: "1" });
    await tick();
    void sender.send("t", { value: "2" });
    let drained = false;
    const draining = sender.drain().then(() => {
      drained = true;
    });
    requests[0]?.ack();
    await tick();
    expect(drained).toBe(false);
    requests[1]?.ack();
    await draining;
    expect(drained).toBe(true);
  });
});

/** A consumer that records commits; `failNext` makes the next commit fail like a rebalance would. */
function fakeConsumer() {
  const commits: Array<Array<{ partition: number; offset: string }>> = [];
  let failNext = false;
  const consumer = {
    commitOffsets: async (offsets: Array<{ topic: string; partition: number; offset: string }>) => {
      if (failNext) {
        failNext = false;
        await Bun.sleep(10); // in flight a moment, so a newer offset can come meanwhile
        throw new Error("REBALANCE_IN_PROGRESS");
      }
      commits.push(offsets.map(({ partition, offset }) => ({ partition, offset })));
    },
  } as unknown as Consumer;
  return { consumer, commits, failOnce: () => (failNext = true) };
}

describe("OffsetCommitter", () => {
  it("commits the next offset to read once per interval, not once per message", async () => {
    const { consumer, commits } = fakeConsumer();
    const committer = new OffsetCommitter(consumer, "t", 30);
    committer.handled(0, "5");
    committer.handled(0, "6");
    committer.handled(1, "9");
    expect(commits).toEqual([]);
    await Bun.sleep(80);
    expect(commits).toEqual([
      [
        { partition: 0, offset: "7" },
        { partition: 1, offset: "10" },
      ],
    ]);
  });

  it("commits what is pending at once on close", async () => {
    const { consumer, commits } = fakeConsumer();
    const committer = new OffsetCommitter(consumer, "t", 60_000);
    committer.handled(2, "41");
    await committer.close();
    expect(commits).toEqual([[{ partition: 2, offset: "42" }]]);
  });

  it("retries a failed commit's offsets with the next commit", async () => {
    const { consumer, commits, failOnce } = fakeConsumer();
    const committer = new OffsetCommitter(consumer, "t", 60_000);
    failOnce();
    committer.handled(0, "1");
    committer.handled(1, "3");
    await committer.close(); // fails: nothing committed, the offsets stay pending
    expect(commits).toEqual([]);
    await committer.close();
    expect(commits).toEqual([
      [
        { partition: 0, offset: "2" },
        { partition: 1, offset: "4" },
      ],
    ]);
  });

  it("re-arms the timer after a failed commit, so a quiet topic's offset is committed without a next message", async () => {
    const { consumer, commits, failOnce } = fakeConsumer();
    const committer = new OffsetCommitter(consumer, "t", 30);
    failOnce();
    committer.handled(0, "7");
    await Bun.sleep(200); // the first commit (~30 ms) fails; no message follows
    expect(commits).toEqual([[{ partition: 0, offset: "8" }]]);
    await committer.close();
  });

  it("never puts a failed commit's older offset back over a newer one", async () => {
    const { consumer, commits, failOnce } = fakeConsumer();
    const committer = new OffsetCommitter(consumer, "t", 60_000);
    failOnce();
    committer.handled(0, "1");
    const failing = committer.close();
    await Bun.sleep(1); // the commit of offset 2 is in flight
    committer.handled(0, "5");
    await failing;
    await committer.close();
    expect(commits).toEqual([[{ partition: 0, offset: "6" }]]);
  });

  it("with interval 0 commits after every message, as kafkajs' auto-commit did", async () => {
    const { consumer, commits } = fakeConsumer();
    const committer = new OffsetCommitter(consumer, "t", 0);
    committer.handled(0, "1");
    await committer.close();
    committer.handled(0, "2");
    await committer.close();
    expect(commits).toEqual([[{ partition: 0, offset: "2" }], [{ partition: 0, offset: "3" }]]);
  });
});
