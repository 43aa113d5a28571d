import { loadavg } from "node:os";

/** The machine's load average over 1, 5 and 15 minutes, as `uptime` prints it: "5.69 / 2.76 / 1.10". */
export function loadAverage(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(" / ");
}
