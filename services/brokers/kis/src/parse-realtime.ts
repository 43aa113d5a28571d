import { kstToEpochMs } from "@jts/broker-kit";
import { msToNs, type Tick } from "@jts/contracts";
import { kisDecimal } from "./parse.ts";

/**
 * The KIS real-time WebSocket speaks two kinds of text frame:
 * - data: `<encrypted 0|1>|<tr_id>|<record count>|<fields joined by ^>`, several
 *   records of the same tr_id packed one after another;
 * - control: JSON with a header (subscribe acks, errors, PINGPONG heartbeats
 *   that the client must send back unchanged).
 */

/** H0STCNT0 field order as documented (46 fields per record). */
export const H0STCNT0_FIELDS = [
  "MKSC_SHRN_ISCD",
  "STCK_CNTG_HOUR",
  "STCK_PRPR",
  "PRDY_VRSS_SIGN",
  "PRDY_VRSS",
  "PRDY_CTRT",
  "WGHN_AVRG_STCK_PRC",
  "STCK_OPRC",
  "STCK_HGPR",
  "STCK_LWPR",
  "ASKP1",
  "BIDP1",
  "CNTG_VOL",
  "ACML_VOL",
  "ACML_TR_PBMN",
  "SELN_CNTG_CSNU",
  "SHNU_CNTG_CSNU",
  "NTBY_CNTG_CSNU",
  "CTTR",
  "SELN_CNTG_SMTN",
  "SHNU_CNTG_SMTN",
  "CCLD_DVSN",
  "SHNU_RATE",
  "PRDY_VOL_VRSS_ACML_VOL_RATE",
  "OPRC_HOUR",
  "OPRC_VRSS_PRPR_SIGN",
  "OPRC_VRSS_PRPR",
  "HGPR_HOUR",
  "HGPR_VRSS_PRPR_SIGN",
  "HGPR_VRSS_PRPR",
  "LWPR_HOUR",
  "LWPR_VRSS_PRPR_SIGN",
  "LWPR_VRSS_PRPR",
  "BSOP_DATE",
  "NEW_MKOP_CLS_CODE",
  "TRHT_YN",
  "ASKP_RSQN1",
  "BIDP_RSQN1",
  "TOTAL_ASKP_RSQN",
  "TOTAL_BIDP_RSQN",
  "VOL_TNRT",
  "PRDY_SMNS_HOUR_ACML_VOL",
  "PRDY_SMNS_HOUR_ACML_VOL_RATE",
  "HOUR_CLS_CODE",
  "MRKT_TRTM_CLS_CODE",
  "VI_STND_PRC",
] as const;

export const TRADES_TR_ID = "H0STCNT0";
const FIELD = Object.fromEntries(H0STCNT0_FIELDS.map((name, i) => [name, i])) as Record<
  (typeof H0STCNT0_FIELDS)[number],
  number
>;

export type RealtimeFrame =
  | { kind: "ticks"; ticks: Tick[] }
  | { kind: "pingpong"; raw: string }
  | { kind: "ack"; trId: string; trKey: string; ok: boolean; message: string }
  | { kind: "other"; trId: string }
  | { kind: "invalid"; reason: string };

export function parseRealtimeFrame(text: string): RealtimeFrame {
  if (text.startsWith("0|") || text.startsWith("1|")) return parseDataFrame(text);
  let json: { header?: { tr_id?: string; tr_key?: string }; body?: { rt_cd?: string; msg1?: string } };
  try {
    json = JSON.parse(text);
  } catch {
    return { kind: "invalid", reason: "neither a data frame nor JSON" };
  }
  const trId = json.header?.tr_id ?? "";
  if (trId === "PINGPONG") return { kind: "pingpong", raw: text };
  if (json.body?.rt_cd !== undefined)
    return {
      kind: "ack",
      trId,
      trKey: json.header?.tr_key ?? "",
      ok: json.body.rt_cd === "0",
      message: json.body.msg1 ?? "",
    };
  return { kind: "other", trId };
}

function parseDataFrame(text: string): RealtimeFrame {
  const [encrypted, trId, countRaw, payload] = text.split("|", 4);
  if (encrypted === "1") return { kind: "invalid", reason: `${trId} is encrypted; JTS subscribes to plain feeds only` };
  if (trId !== TRADES_TR_ID) return { kind: "other", trId: trId ?? "" };
  const count = Number(countRaw);
  const fields = (payload ?? "").split("^");
  const width = H0STCNT0_FIELDS.length;
  if (!Number.isInteger(count) || count < 1 || fields.length < count * width)
    return { kind: "invalid", reason: `H0STCNT0 frame with ${fields.length} fields for ${countRaw} records` };
  try {
    const ticks: Tick[] = [];
    for (let i = 0; i < count; i++) ticks.push(parseTradeRecord(fields.slice(i * width, (i + 1) * width)));
    return { kind: "ticks", ticks };
  } catch (error) {
    return { kind: "invalid", reason: (error as Error).message };
  }
}

/** One H0STCNT0 record to a JTS tick. */
export function parseTradeRecord(record: readonly string[]): Tick {
  const at = (name: keyof typeof FIELD) => record[FIELD[name]] ?? "";
  const date = at("BSOP_DATE");
  const time = at("STCK_CNTG_HOUR");
  return {
    symbol: at("MKSC_SHRN_ISCD"),
    venue: "kis",
    price: kisDecimal(at("STCK_PRPR")),
    quantity: kisDecimal(at("CNTG_VOL")),
    aggressor: aggressorOf(at("CCLD_DVSN")),
    // KIS gives trades no id; the day's cumulative volume grows with every trade, so it is unique.
    tradeId: `${date}-${kisDecimal(at("ACML_VOL"))}`,
    tsEvent: msToNs(kstToEpochMs(date, time)).toString(),
  };
}

/** CCLD_DVSN: 1 buy (trade at the ask), 5 sell (at the bid), 3 pre-market single price. */
function aggressorOf(code: string): Tick["aggressor"] {
  if (code === "1") return "BUY";
  if (code === "5") return "SELL";
  return "NONE";
}

/** tr_type 1 registers, 2 releases. */
export function subscribeMessage(approvalKey: string, trKey: string, register = true, trIdName = TRADES_TR_ID) {
  return JSON.stringify({
    header: { approval_key: approvalKey, custtype: "P", tr_type: register ? "1" : "2", "content-type": "utf-8" },
    body: { input: { tr_id: trIdName, tr_key: trKey } },
  });
}
