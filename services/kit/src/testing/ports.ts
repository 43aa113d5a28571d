/**
 * A block of `count` consecutive loopback ports that are free right now, for a test that
 * starts servers as child processes. Chosen below the kernel's ephemeral range (32768 and
 * up on Linux): a random port up there can be the local end of any of the suite's own
 * client connections, and a child that cannot bind it dies before the test begins.
 */
export function freePortBlock(count: number, low = 20_000, high = 32_000): number {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = low + Math.floor(Math.random() * (high - low - count));
    if (blockIsFree(base, count)) return base;
  }
  throw new Error(`no ${count} free consecutive ports between ${low} and ${high}`);
}

function blockIsFree(base: number, count: number): boolean {
  const held: Array<{ stop(closeActive?: boolean): void }> = [];
  try {
    for (let port = base; port < base + count; port++) {
      held.push(Bun.listen({ hostname: "127.0.0.1", port, socket: { data() {} } }));
    }
    return true;
  } catch {
    return false;
  } finally {
    for (const listener of held) listener.stop(true);
  }
}
