import { describe, expect, it } from "bun:test";
import { EventTypes } from "@jts/contracts";
import { orderFixture } from "../testing/fixtures.ts";
import { dedupeById } from "./dedupe.ts";
import { envelope } from "./envelope.ts";

describe("dedupeById", () => {
  it("skips an event id seen among the last `capacity`, and handles one forgotten since", async () => {
    const handled: string[] = [];
    const handle = dedupeById((event) => {
      handled.push(event.id);
    }, 2);
    const event = () => envelope(EventTypes.order, "t", "k", orderFixture());
    const [a, b, c] = [event(), event(), event()];
    for (const delivered of [a, b, a, b, c, b, a]) await handle(delivered);
    // a and b once; c pushes a out, so a's late redelivery is handled again; b is still remembered.
    expect(handled).toEqual([a.id, b.id, c.id, a.id]);
  });

  it("does not remember an event whose handler failed: its redelivery is handled", async () => {
    let attempts = 0;
    const handle = dedupeById(() => {
      attempts++;
      if (attempts === 1) throw new Error("down");
    });
    const event = envelope(EventTypes.order, "t", "k", orderFixture());
    await expect(handle(event)).rejects.toThrow("down");
    await handle(event);
    await handle(event);
    expect(attempts).toBe(2);
  });
});
