import type { Logger } from "./log.ts";

export type Closer = () => Promise<void> | void;

/**
 * Runs closers in reverse order of registration (last started, first stopped:
 * stop taking traffic, drain consumers, then close transports), each bounded
 * by a timeout so one stuck dependency cannot hang the exit.
 */
export class Lifecycle {
  private readonly closers: Array<{ name: string; close: Closer }> = [];
  private stopping: Promise<void> | null = null;

  constructor(
    private readonly logger: Logger,
    private readonly timeoutMs = 5000,
  ) {}

  onStop(name: string, close: Closer) {
    this.closers.push({ name, close });
  }

  stop(): Promise<void> {
    this.stopping ??= this.runClosers();
    return this.stopping;
  }

  /** Stops on SIGINT/SIGTERM, then exits. */
  handleSignals(exit: (code: number) => void = process.exit) {
    const onSignal = (signal: string) => {
      this.logger.info("shutting down", { signal });
      this.stop().then(
        () => exit(0),
        () => exit(1),
      );
    };
    process.once("SIGINT", () => onSignal("SIGINT"));
    process.once("SIGTERM", () => onSignal("SIGTERM"));
  }

  private async runClosers() {
    for (const { name, close } of [...this.closers].reverse()) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<"timeout">((resolve) => {
        timer = setTimeout(() => resolve("timeout"), this.timeoutMs);
      });
      try {
        const result = await Promise.race([Promise.resolve().then(close), timeout]);
        if (result === "timeout") this.logger.warn("close timed out", { name, timeoutMs: this.timeoutMs });
      } catch (error) {
        this.logger.error("close failed", { name, error });
      } finally {
        clearTimeout(timer);
      }
    }
  }
}
