import { describe, expect, it } from "bun:test";
import { MemoryCache } from "@jts/kit";
import { PlaceInFlightError, PlaceOnce } from "./place-once.ts";

// KisBroker's place-once tests (kis/src/place-once.test.ts) show it across replicas against a fake venue.
describe("PlaceOnce", () => {
  it("fails, to be asked again, when the other call never answers", async () => {
    const cache = new MemoryCache();
    const first = new PlaceOnce<string>(cache, "t", { waitMs: 100 });
    const second = new PlaceOnce<string>(cache, "t", { waitMs: 100 });
    const never = first.run(
      "x",
      async () => null,
      () => new Promise<string>(() => {}),
    );
    await expect(
      second.run(
        "x",
        async () => null,
        async () => "placed twice",
      ),
    ).rejects.toBeInstanceOf(PlaceInFlightError);
    void never;
  });

  it("lets a refused place be tried again", async () => {
    const once = new PlaceOnce<string>(new MemoryCache(), "t");
    expect(
      await once.run(
        "y",
        async () => null,
        async () => "refused",
      ),
    ).toBe("refused");
    expect(
      await once.run(
        "y",
        async () => null,
        async () => "placed",
      ),
    ).toBe("placed");
  });
});
