/**
 * The child side of the runner protocol: a scenario process prints one line
 * `@@<kind> <json>` per message on stdout (everything else is log), and reads
 * commands from stdin, one per line.
 */
export function emit(kind: string, value: unknown = {}): void {
  process.stdout.write(`@@${kind} ${JSON.stringify(value)}\n`);
}

/** Command-line flags `--name=value` (or `--name` alone for true). */
export function flags(argv: string[] = process.argv.slice(2)): Record<string, string> {
  const out: Record<string, string> = {};
  for (const arg of argv) {
    const match = arg.match(/^--([^=]+)(?:=(.*))?$/);
    if (match) out[match[1] as string] = match[2] ?? "true";
  }
  return out;
}

export function num(values: Record<string, string>, name: string, fallback: number): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n)) throw new Error(`--${name} must be a number, got ${raw}`);
  return n;
}

/** Lines from stdin, for runner commands such as `start` and `stop`. */
export async function* commands(): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of Bun.stdin.stream()) {
    buffer += decoder.decode(chunk, { stream: true });
    let newline = buffer.indexOf("\n");
    while (newline >= 0) {
      const line = buffer.slice(0, newline).trim();
      buffer = buffer.slice(newline + 1);
      if (line) yield line;
      newline = buffer.indexOf("\n");
    }
  }
}

/** Runs `main`, reporting a crash as `@@error` and always exiting (so --cpu-prof writes its file). */
export function runChild(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      emit("error", { message: (error as Error)?.stack ?? String(error) });
      process.exit(1);
    },
  );
}
