import type { KisEnv } from "./config.ts";

/**
 * Transaction ids of the live server (the 2024 set; TTTC0802U/0801U/0803U
 * and TTTC8001R are their retired predecessors). The paper server takes the
 * same ids with the leading T, J or C replaced by V.
 */
export const LIVE_TR_IDS = {
  buy: "TTTC0012U",
  sell: "TTTC0011U",
  reviseCancel: "TTTC0013U",
  dailyOrders: "TTTC0081R",
  balance: "TTTC8434R",
} as const;

export type TrName = keyof typeof LIVE_TR_IDS;

export function trId(name: TrName, env: KisEnv): string {
  const live = LIVE_TR_IDS[name];
  return env === "paper" ? paperTrId(live) : live;
}

export function paperTrId(live: string): string {
  return /^[TJC]/.test(live) ? `V${live.slice(1)}` : live;
}
