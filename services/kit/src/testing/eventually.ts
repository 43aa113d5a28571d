/** Polls until the assertion passes or the time is up; rethrows the last failure. */
export async function eventually<T>(assertion: () => T | Promise<T>, timeoutMs = 5000, intervalMs = 10): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await assertion();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await Bun.sleep(intervalMs);
    }
  }
}
