import { describe, expect, it } from "bun:test";
import { clientOrigin, parseTrustedProxies, requestOrigin } from "./client-ip.ts";

const peer = (address: string) => ({ requestIP: () => ({ address }) });
const req = (headers: Record<string, string> = {}, url = "http://gateway/api/x") => new Request(url, { headers });

describe("clientOrigin", () => {
  const trusted = parseTrustedProxies("127.0.0.1, ::1, 10.0.0.5");

  it("believes X-Forwarded-For and -Proto from a trusted proxy, IPv4-mapped or not", () => {
    expect(clientOrigin(req({ "x-forwarded-for": "203.0.113.9" }), peer("::ffff:127.0.0.1"), trusted)).toEqual({
      ip: "203.0.113.9",
      secure: false,
    });
    expect(
      clientOrigin(req({ "x-forwarded-for": "203.0.113.9", "x-forwarded-proto": "https" }), peer("::1"), trusted),
    ).toEqual({ ip: "203.0.113.9", secure: true });
  });

  it("walks the chain from the right past trusted hops, and stops at the first untrusted one", () => {
    const chain = { "x-forwarded-for": "198.51.100.1, 203.0.113.9, 10.0.0.5" };
    expect(clientOrigin(req(chain), peer("127.0.0.1"), trusted).ip).toBe("203.0.113.9");
  });

  it("ignores both headers from any other peer", () => {
    const spoof = { "x-forwarded-for": "203.0.113.9", "x-forwarded-proto": "https" };
    expect(clientOrigin(req(spoof), peer("::ffff:192.0.2.7"), trusted)).toEqual({ ip: "192.0.2.7", secure: false });
    expect(clientOrigin(req(spoof), peer("127.0.0.1"), parseTrustedProxies(""))).toEqual({
      ip: "127.0.0.1",
      secure: false,
    });
  });

  it("keeps the peer when a trusted proxy sends no chain, and reads https from the URL itself", () => {
    expect(clientOrigin(req({}, "https://gateway/api/x"), peer("127.0.0.1"), trusted)).toEqual({
      ip: "127.0.0.1",
      secure: true,
    });
    expect(clientOrigin(req(), null, trusted)).toEqual({ ip: "local", secure: false });
  });
});

describe("requestOrigin", () => {
  const trusted = parseTrustedProxies("127.0.0.1");
  const counting = (address: string) => {
    const source = {
      asked: 0,
      requestIP: (): { address: string } | null => {
        source.asked++;
        return { address };
      },
    };
    return source;
  };

  it("asks Bun for the peer only when a read asks, once, and answers as clientOrigin does", () => {
    const source = counting("127.0.0.1");
    const origin = requestOrigin(req({ "x-forwarded-for": "203.0.113.9" }), source, trusted);
    expect(source.asked).toBe(0);
    expect(origin.ip).toBe("203.0.113.9");
    expect(origin.secure).toBe(false);
    expect(source.asked).toBe(1);
  });

  it("works it out at once for state changes and upgrades, whose address is read after the answer", () => {
    for (const request of [
      new Request("http://gateway/api/orders", { method: "POST", body: "{}" }),
      new Request("http://gateway/ws", { headers: { upgrade: "websocket" } }),
    ]) {
      const source = counting("192.0.2.7");
      const origin = requestOrigin(request, source, trusted);
      expect(source.asked).toBe(1);
      // What Bun says after the answer (null) no longer matters.
      source.requestIP = () => null;
      expect(origin).toEqual({ ip: "192.0.2.7", secure: false });
    }
  });
});
