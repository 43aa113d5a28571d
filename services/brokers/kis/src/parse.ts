import { fromFixed, type Order, type Side, toFixed } from "@jts/contracts";

/**
 * KIS REST payloads for domestic stocks: request bodies built from JTS
 * orders and the raw response shapes. All numbers travel as strings; KIS
 * pads prices with decimals ("71000.0000"), which `kisDecimal` normalizes.
 */

export interface AccountRef {
  cano: string;
  productCode: string;
}

/** ORD_DVSN: 00 limit, 01 market, 11 IOC limit, 12 FOK limit, 13 IOC market, 14 FOK market. */
export function orderDivision(order: Pick<Order, "type" | "timeInForce">): string {
  const market = order.type === "MARKET";
  if (order.timeInForce === "IOC") return market ? "13" : "11";
  if (order.timeInForce === "FOK") return market ? "14" : "12";
  return market ? "01" : "00";
}

/** Body of POST /uapi/domestic-stock/v1/trading/order-cash. */
export function orderCashBody(account: AccountRef, order: Order): Record<string, string> {
  return {
    CANO: account.cano,
    ACNT_PRDT_CD: account.productCode,
    PDNO: order.symbol,
    ORD_DVSN: orderDivision(order),
    ORD_QTY: order.quantity,
    // A market order carries "0": KIS reserves cash at the upper limit and settles at the fill.
    ORD_UNPR: order.type === "MARKET" ? "0" : (order.price ?? "0"),
    EXCG_ID_DVSN_CD: "KRX",
  };
}

/** Body of POST /uapi/domestic-stock/v1/trading/order-rvsecncl for a cancel of everything left. */
export function cancelBody(
  account: AccountRef,
  original: { venueOrderId: string; orgNo: string; division: string },
): Record<string, string> {
  return {
    CANO: account.cano,
    ACNT_PRDT_CD: account.productCode,
    KRX_FWDG_ORD_ORGNO: original.orgNo,
    ORGN_ODNO: original.venueOrderId,
    ORD_DVSN: original.division,
    RVSE_CNCL_DVSN_CD: "02",
    ORD_QTY: "0",
    ORD_UNPR: "0",
    QTY_ALL_ORD_YN: "Y",
    EXCG_ID_DVSN_CD: "KRX",
  };
}

/**
 * Body of POST order-rvsecncl for a 정정 (RVSE_CNCL_DVSN_CD 01) of everything left
 * (QTY_ALL_ORD_YN Y) to a new limit price. KIS answers with a new order number
 * (ODNO) whose row names the original in `orgn_odno`; the remainder is worked there.
 */
export function reviseBody(
  account: AccountRef,
  original: { venueOrderId: string; orgNo: string; division: string },
  price: string,
): Record<string, string> {
  return { ...cancelBody(account, original), RVSE_CNCL_DVSN_CD: "01", ORD_UNPR: price };
}

/** A row of inquire-daily-ccld that records a cancel (its own odno, the canceled order in orgn_odno). */
export const isCancelRow = (row: Pick<DailyOrderRow, "orgn_odno" | "cncl_yn">) =>
  row.orgn_odno !== "" && row.cncl_yn === "Y";

/** Query of GET /uapi/domestic-stock/v1/trading/inquire-balance. */
export function balanceQuery(account: AccountRef): Record<string, string> {
  return {
    CANO: account.cano,
    ACNT_PRDT_CD: account.productCode,
    AFHR_FLPR_YN: "N",
    OFL_YN: "",
    INQR_DVSN: "02",
    UNPR_DVSN: "01",
    FUND_STTL_ICLD_YN: "N",
    FNCG_AMT_AUTO_RDPT_YN: "N",
    PRCS_DVSN: "00",
    CTX_AREA_FK100: "",
    CTX_AREA_NK100: "",
  };
}

/** Query of GET /uapi/domestic-stock/v1/trading/inquire-daily-ccld for one day (KST, YYYYMMDD). */
export function dailyOrdersQuery(
  account: AccountRef,
  day: string,
  filter: { symbol?: string; venueOrderId?: string; unfilledOnly?: boolean } = {},
): Record<string, string> {
  return {
    CANO: account.cano,
    ACNT_PRDT_CD: account.productCode,
    INQR_STRT_DT: day,
    INQR_END_DT: day,
    SLL_BUY_DVSN_CD: "00",
    PDNO: filter.symbol ?? "",
    CCLD_DVSN: filter.unfilledOnly ? "02" : "00",
    INQR_DVSN: "00",
    INQR_DVSN_3: "00",
    ORD_GNO_BRNO: "",
    ODNO: filter.venueOrderId ?? "",
    INQR_DVSN_1: "",
    CTX_AREA_FK100: "",
    CTX_AREA_NK100: "",
    EXCG_ID_DVSN_CD: "KRX",
  };
}

export interface KisEnvelope {
  rt_cd: string;
  msg_cd: string;
  msg1: string;
}

export interface OrderCashOutput {
  KRX_FWDG_ORD_ORGNO: string;
  ODNO: string;
  ORD_TMD: string;
}

/** One row of inquire-daily-ccld output1 (the fields JTS reads). */
export interface DailyOrderRow {
  ord_dt: string;
  ord_gno_brno: string;
  odno: string;
  orgn_odno: string;
  sll_buy_dvsn_cd: string;
  pdno: string;
  ord_qty: string;
  ord_unpr: string;
  ord_tmd: string;
  tot_ccld_qty: string;
  avg_prvs: string;
  cncl_yn: string;
  cnc_cfrm_qty: string;
  rmn_qty: string;
  rjct_qty: string;
  ord_dvsn_cd: string;
}

/** One holding of inquire-balance output1. */
export interface HoldingRow {
  pdno: string;
  hldg_qty: string;
  pchs_avg_pric: string;
  prpr: string;
  evlu_pfls_amt: string;
}

/** inquire-balance output2[0] (cash). */
export interface CashRow {
  dnca_tot_amt: string;
  prvs_rcdl_excc_amt: string;
}

/** "71000.0000" -> "71000", "" -> "0", "-1200" -> "-1200"; throws on anything not a number. */
export function kisDecimal(raw: string | undefined): string {
  const trimmed = (raw ?? "").trim();
  return fromFixed(toFixed(trimmed === "" ? "0" : trimmed));
}

/** sll_buy_dvsn_cd: 01 sell, 02 buy. */
export function parseSide(code: string): Side {
  if (code === "01") return "SELL";
  if (code === "02") return "BUY";
  throw new Error(`unknown KIS side code ${JSON.stringify(code)}`);
}
