/**
 * Container health check for the JTS image: exits 0 when the URL answers 2xx
 * within 3 s. `bun host/docker/healthcheck.ts [URL]`; without a URL it asks the
 * service's own /health on JTS_HEALTH_URL, as compose.yaml sets per container.
 */
const url = process.argv[2] ?? process.env.JTS_HEALTH_URL;
if (!url) {
  console.error("usage: bun host/docker/healthcheck.ts URL (or set JTS_HEALTH_URL)");
  process.exit(2);
}
try {
  const response = await fetch(url, { signal: AbortSignal.timeout(3000) });
  process.exit(response.ok ? 0 : 1);
} catch {
  process.exit(1);
}
