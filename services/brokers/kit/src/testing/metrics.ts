/** The value of one series (`name{labels}`) in a /metrics text, or undefined when it is not there. */
export function metricValue(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** A broker service's /metrics text, asked the way Prometheus asks. */
export async function scrapeMetrics(app: { handle(request: Request): Response | Promise<Response> }): Promise<string> {
  return (await app.handle(new Request("http://localhost/metrics"))).text();
}
