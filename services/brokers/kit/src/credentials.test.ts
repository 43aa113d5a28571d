import { describe, expect, it } from "bun:test";
import { loadConfig } from "@jts/kit";
import { requireCredentials, venueCredential } from "./credentials.ts";
import { VenueError } from "./errors.ts";

describe("venue credentials", () => {
  const spec = { VENUE_KEY: venueCredential() };

  it("may be empty outside production and must be a real secret in production", () => {
    expect(loadConfig(spec, {}).VENUE_KEY).toBe("");
    expect(() => loadConfig(spec, { JTS_ENV: "production" })).toThrow("VENUE_KEY is required in production");
    expect(() => loadConfig(spec, { JTS_ENV: "production", VENUE_KEY: "CHANGE-ME-example" })).toThrow("placeholder");
    const key = "vmPC9ba4sGgeXPQ1Nqu6KXaQ";
    expect(loadConfig(spec, { JTS_ENV: "production", VENUE_KEY: key }).VENUE_KEY).toBe(key);
  });

  it("refuses a signed call before anything is sent, naming every missing credential", () => {
    expect(requireCredentials("binance", { K: "key", S: "secret" })).toEqual({ K: "key", S: "secret" });
    let error: unknown;
    try {
      requireCredentials("binance", { BINANCE_API_KEY: "", BINANCE_API_SECRET: undefined });
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(VenueError);
    expect((error as VenueError).kind).toBe("rejected");
    expect((error as VenueError).message).toContain("BINANCE_API_KEY, BINANCE_API_SECRET not set");
  });
});
