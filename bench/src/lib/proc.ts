import { appendFileSync } from "node:fs";
import type { Subprocess } from "bun";
import { outPath, ROOT_DIR } from "./paths.ts";

export interface Message {
  kind: string;
  value: Record<string, unknown>;
}

/**
 * A child process of the runner. Its `@@kind json` stdout lines become
 * messages; every other line and its stderr go to bench/out/logs/<name>.log.
 * It is stopped by its own pid only.
 */
export class Child {
  readonly log: string;
  private readonly proc: Subprocess<"pipe", "pipe", "pipe">;
  private readonly messages: Message[] = [];
  private waiters: Array<() => void> = [];
  private exitCode: number | null = null;
  private readonly onLine?: (line: string) => void;
  readonly exited: Promise<number>;

  constructor(
    readonly name: string,
    cmd: string[],
    options: {
      env?: Record<string, string | undefined>;
      cwd?: string;
      /** Sees every stdout line that is not a message (a banner to wait for), before it is logged. */
      onLine?: (line: string) => void;
    } = {},
  ) {
    this.onLine = options.onLine;
    this.log = outPath("logs", `${name}.log`);
    appendFileSync(this.log, `\n===== ${new Date().toISOString()} ${cmd.join(" ")}\n`);
    this.proc = Bun.spawn(cmd, {
      cwd: options.cwd ?? ROOT_DIR,
      env: { ...process.env, ...options.env } as Record<string, string>,
      stdin: "pipe",
      stdout: "pipe",
      stderr: "pipe",
    });
    void this.pump(this.proc.stdout, true);
    void this.pump(this.proc.stderr, false);
    this.exited = this.proc.exited.then((code) => {
      this.exitCode = code;
      this.wake();
      return code;
    });
  }

  get pid(): number {
    return this.proc.pid;
  }

  get running(): boolean {
    return this.exitCode === null;
  }

  private wake() {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  private async pump(stream: ReadableStream<Uint8Array>, parse: boolean) {
    const decoder = new TextDecoder();
    let buffer = "";
    for await (const chunk of stream) {
      buffer += decoder.decode(chunk, { stream: true });
      let newline = buffer.indexOf("\n");
      while (newline >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        const match = parse ? line.match(/^@@(\w+) (.*)$/) : null;
        if (match) {
          this.messages.push({ kind: match[1] as string, value: JSON.parse(match[2] as string) });
          this.wake();
        } else {
          if (parse) this.onLine?.(line);
          appendFileSync(this.log, `${line}\n`);
        }
        newline = buffer.indexOf("\n");
      }
    }
    if (buffer) appendFileSync(this.log, `${buffer}\n`);
  }

  /** The first message of `kind` not taken yet; rejects on `@@error`, exit or timeout. */
  async next(kind: string, timeoutMs = 120_000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const error = this.messages.find((m) => m.kind === "error");
      if (error) throw new Error(`${this.name}: ${String(error.value.message)} (log: ${this.log})`);
      const index = this.messages.findIndex((m) => m.kind === kind);
      if (index >= 0) return (this.messages.splice(index, 1)[0] as Message).value;
      if (this.exitCode !== null)
        throw new Error(`${this.name} exited with ${this.exitCode} before @@${kind} (log: ${this.log})`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${this.name}: no @@${kind} within ${timeoutMs} ms (log: ${this.log})`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 1000));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  send(line: string): void {
    this.proc.stdin.write(`${line}\n`);
    this.proc.stdin.flush();
  }

  /** Waits up to `timeoutMs` for the process to end by itself (after its result or a stop command), then stops it. */
  async finish(timeoutMs = 30_000): Promise<number> {
    if (this.exitCode !== null) return this.exitCode;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), timeoutMs);
    });
    const result = await Promise.race([this.exited, timedOut]);
    clearTimeout(timer);
    return result === "timeout" ? this.stop() : result;
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code. */
  async stop(graceMs = 10_000): Promise<number> {
    if (this.exitCode !== null) return this.exitCode;
    this.proc.kill("SIGTERM");
    const timer = setTimeout(() => {
      if (this.exitCode === null) this.proc.kill("SIGKILL");
    }, graceMs);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }
}

/** Runs a scenario child to completion and returns its `@@result`. */
export async function runToResult(
  name: string,
  cmd: string[],
  options: { env?: Record<string, string | undefined>; timeoutMs?: number } = {},
): Promise<Record<string, unknown>> {
  const child = new Child(name, cmd, options);
  try {
    return await child.next("result", options.timeoutMs ?? 600_000);
  } finally {
    // A worker cleans up after its result (stops its own children, writes its profile): let it.
    await child.finish(60_000);
  }
}

/** A TCP port nothing listens on right now (loopback). */
export function freePort(): number {
  const server = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = server.port;
  server.stop(true);
  return port;
}

/** CPU seconds (user + system) a process has used so far, from /proc (10 ms resolution). */
export async function cpuSeconds(pid: number): Promise<number> {
  const stat = await Bun.file(`/proc/${pid}/stat`).text();
  // Fields after the command's closing parenthesis: state is [0], utime [11], stime [12], in clock ticks (100/s).
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * A process's main thread as the scheduler saw it (/proc/<pid>/task/<pid>/schedstat, ns): time on
 * a CPU and time runnable but waiting for one. Much waiting means the machine, not the code, set the pace.
 */
export async function schedStat(pid: number): Promise<{ runNs: number; waitNs: number }> {
  const [run = 0, wait = 0] = (await Bun.file(`/proc/${pid}/task/${pid}/schedstat`).text()).split(" ").map(Number);
  return { runNs: run, waitNs: wait };
}

/** Resident memory of a process and of all its descendants, from /proc (bytes). */
export async function residentBytes(pid: number): Promise<{ self: number; peak: number; children: number }> {
  const status = async (p: number) => {
    try {
      return await Bun.file(`/proc/${p}/status`).text();
    } catch {
      return "";
    }
  };
  const kb = (text: string, field: string) => Number(text.match(new RegExp(`${field}:\\s+(\\d+) kB`))?.[1] ?? 0) * 1024;
  const own = await status(pid);
  const descendants = await descendantsOf(pid);
  let children = 0;
  for (const d of descendants) children += kb(await status(d), "VmRSS");
  return { self: kb(own, "VmRSS"), peak: kb(own, "VmHWM"), children };
}

async function descendantsOf(pid: number): Promise<number[]> {
  const { readdirSync } = await import("node:fs");
  const parents = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await Bun.file(`/proc/${entry}/stat`).text();
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      const list = parents.get(ppid) ?? [];
      list.push(Number(entry));
      parents.set(ppid, list);
    } catch {
      // the process ended while we looked
    }
  }
  const out: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const next = queue.shift() as number;
    for (const c of parents.get(next) ?? []) {
      out.push(c);
      queue.push(c);
    }
  }
  return out;
}

/** Runs a command to completion; returns its stdout (throws on a non-zero exit). */
export async function run(cmd: string[], options: { env?: Record<string, string>; cwd?: string } = {}) {
  const proc = Bun.spawn(cmd, {
    cwd: options.cwd ?? ROOT_DIR,
    env: { ...process.env, ...options.env } as Record<string, string>,
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  if (code !== 0) throw new Error(`${cmd.join(" ")} exited with ${code}: ${stderr.slice(-2000)}`);
  return stdout;
}
