import { readFileSync } from "node:fs";
import type { Instrument } from "@jts/contracts";
import { ALWAYS_OPEN, krxSchedule, oneOf, parseHolidays, type SessionSchedule, str } from "@jts/kit";

export const sessionConfigSpec = {
  /** Exchange holidays, YYYY-MM-DD, comma-separated. */
  KRX_HOLIDAYS: str(""),
  /** A file of holidays, one YYYY-MM-DD per line (`#` comments); added to KRX_HOLIDAYS. */
  KRX_HOLIDAYS_FILE: str(""),
  /** The sim and paper venues' stocks are simulated around the clock; `krx` gives them KRX's hours. */
  RISK_SIM_SESSIONS: oneOf(["24/7", "krx"], "24/7"),
};

/** Which session each instrument trades in: KRX for stocks on KRX brokers (and simulated ones if asked), 24/7 otherwise. */
export function sessionsFor(config: {
  KRX_HOLIDAYS: string;
  KRX_HOLIDAYS_FILE: string;
  RISK_SIM_SESSIONS: "24/7" | "krx";
}): (instrument: Instrument) => SessionSchedule {
  const holidays = [
    ...parseHolidays(config.KRX_HOLIDAYS),
    ...(config.KRX_HOLIDAYS_FILE ? parseHolidays(readFileSync(config.KRX_HOLIDAYS_FILE, "utf8")) : []),
  ];
  const krx = krxSchedule(holidays);
  return (instrument) => {
    if (instrument.kind !== "STOCK") return ALWAYS_OPEN;
    if (instrument.venue === "kis" || instrument.venue === "creon") return krx;
    return config.RISK_SIM_SESSIONS === "krx" ? krx : ALWAYS_OPEN;
  };
}
