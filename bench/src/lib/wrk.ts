import { run } from "./proc.ts";

export interface WrkResult {
  requestsPerSec: number;
  requests: number;
  non2xx: number;
  socketErrors: number;
  latencyP50Ms: number | null;
  latencyP99Ms: number | null;
  raw: string;
}

const toMs = (value: string, unit: string) => Number(value) * ({ us: 0.001, ms: 1, s: 1000 }[unit] ?? 1);

/** Parses wrk's text output (with --latency). */
export function parseWrk(raw: string): WrkResult {
  const rps = raw.match(/Requests\/sec:\s+([\d.]+)/);
  const requests = raw.match(/(\d+) requests in/);
  const non2xx = raw.match(/Non-2xx or 3xx responses:\s+(\d+)/);
  const socket = raw.match(/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/);
  const pct = (p: string) => {
    const m = raw.match(new RegExp(`\\s${p}%\\s+([\\d.]+)(us|ms|s)\\b`));
    return m ? toMs(m[1] as string, m[2] as string) : null;
  };
  return {
    requestsPerSec: rps ? Number(rps[1]) : 0,
    requests: requests ? Number(requests[1]) : 0,
    non2xx: non2xx ? Number(non2xx[1]) : 0,
    socketErrors: socket ? socket.slice(1).reduce((n, v) => n + Number(v), 0) : 0,
    latencyP50Ms: pct("50"),
    latencyP99Ms: pct("99"),
    raw,
  };
}

export async function wrk(
  url: string,
  options: { threads: number; connections: number; seconds: number; header?: string },
): Promise<WrkResult> {
  const cmd = [
    "wrk",
    `-t${options.threads}`,
    `-c${options.connections}`,
    `-d${options.seconds}s`,
    "--latency",
    ...(options.header ? ["-H", options.header] : []),
    url,
  ];
  return parseWrk(await run(cmd));
}

export async function wrkAvailable(): Promise<string | null> {
  try {
    const out = await run(["bash", "-c", "wrk --version 2>&1 | head -1 || true"]);
    return out.includes("wrk") ? out.trim() : null;
  } catch {
    return null;
  }
}
