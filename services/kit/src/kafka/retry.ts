/**
 * A fresh cluster answers "not the coordinator" or "coordinator loading"
 * while it creates its offsets topic; kafkajs' admin calls do not retry
 * those, so they are retried here with a short backoff (about 15 s in all).
 */
export async function retryRetriable<T>(work: () => Promise<T>, attempts = 30): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (!(error as { retriable?: boolean }).retriable || attempt >= attempts) throw error;
      await Bun.sleep(Math.min(1000, 50 * attempt));
    }
  }
}
