import { describe, expect, it } from "bun:test";
import { H0STCNT0_FIELDS, parseRealtimeFrame, subscribeMessage } from "./parse-realtime.ts";

const sample = (await Bun.file(new URL("./fixtures/h0stcnt0-005930.txt", import.meta.url)).text()).trim();

describe("H0STCNT0 frames", () => {
  it("lists the 46 documented fields", () => {
    expect(H0STCNT0_FIELDS).toHaveLength(46);
    expect(sample.split("|")[3]?.split("^")).toHaveLength(46);
  });

  it("parses the sample trade into a tick in KST-converted nanoseconds", () => {
    const frame = parseRealtimeFrame(sample);
    expect(frame).toEqual({
      kind: "ticks",
      ticks: [
        {
          symbol: "005930",
          venue: "kis",
          price: "71900",
          quantity: "1",
          aggressor: "SELL",
          tradeId: "20230612-3052507",
          // 2023-06-12 09:33:54 in Seoul is 00:33:54 UTC.
          tsEvent: (BigInt(Date.UTC(2023, 5, 12, 0, 33, 54)) * 1_000_000n).toString(),
        },
      ],
    });
  });

  it("unpacks several records packed in one frame", () => {
    const record = sample.split("|")[3] as string;
    const second = record
      .replace("^093354^71900^", "^093355^72000^")
      .replace("^3052507^", "^3052517^")
      .replace("^5^0.39^", "^1^0.39^");
    const frame = parseRealtimeFrame(`0|H0STCNT0|002|${record}^${second}`);
    if (frame.kind !== "ticks") throw new Error(frame.kind);
    expect(frame.ticks.map((t) => [t.price, t.aggressor, t.tradeId])).toEqual([
      ["71900", "SELL", "20230612-3052507"],
      ["72000", "BUY", "20230612-3052517"],
    ]);
  });

  it("refuses a frame that has fewer fields than its record count promises", () => {
    const record = sample.split("|")[3] as string;
    expect(parseRealtimeFrame(`0|H0STCNT0|002|${record}`).kind).toBe("invalid");
  });

  it("does not crash on encrypted frames, other tr_ids or garbage", () => {
    expect(parseRealtimeFrame("1|H0STCNI0|001|abcdef").kind).toBe("invalid");
    expect(parseRealtimeFrame("0|H0STASP0|001|005930^1").kind).toBe("other");
    expect(parseRealtimeFrame("not json").kind).toBe("invalid");
    expect(parseRealtimeFrame(`0|H0STCNT0|001|${"x^".repeat(45)}x`).kind).toBe("invalid");
  });
});

describe("control frames", () => {
  it("recognizes PINGPONG and keeps the raw text to echo back", () => {
    const raw = '{"header":{"tr_id":"PINGPONG","datetime":"20261127101500"}}';
    expect(parseRealtimeFrame(raw)).toEqual({ kind: "pingpong", raw });
  });

  it("reads subscribe acks and refusals", () => {
    const ok =
      '{"header":{"tr_id":"H0STCNT0","tr_key":"005930","encrypt":"N"},"body":{"rt_cd":"0","msg_cd":"OPSP0000","msg1":"SUBSCRIBE SUCCESS","output":{"iv":"","key":""}}}';
    const refused =
      '{"header":{"tr_id":"H0STCNT0","tr_key":"005930","encrypt":"N"},"body":{"rt_cd":"1","msg_cd":"OPSP8996","msg1":"invalid approval : NOT FOUND"}}';
    expect(parseRealtimeFrame(ok)).toEqual({
      kind: "ack",
      trId: "H0STCNT0",
      trKey: "005930",
      ok: true,
      message: "SUBSCRIBE SUCCESS",
    });
    expect(parseRealtimeFrame(refused)).toMatchObject({
      kind: "ack",
      ok: false,
      message: "invalid approval : NOT FOUND",
    });
  });

  it("builds the documented subscribe message", () => {
    expect(JSON.parse(subscribeMessage("approval-1", "005930"))).toEqual({
      header: { approval_key: "approval-1", custtype: "P", tr_type: "1", "content-type": "utf-8" },
      body: { input: { tr_id: "H0STCNT0", tr_key: "005930" } },
    });
    expect(JSON.parse(subscribeMessage("approval-1", "005930", false)).header.tr_type).toBe("2");
  });
});
