import { describe, expect, it } from "bun:test";
import { MetricsRegistry } from "./metrics.ts";

describe("metrics registry", () => {
  it("keys series by their labels in order, escaping only the values that need it", () => {
    const registry = new MetricsRegistry();
    const requests = registry.counter("http_requests_total", "HTTP requests");
    requests.inc({ method: "GET", route: "/api/positions", status: "200" });
    requests.inc({ method: "GET", route: "/api/positions", status: "200" });
    requests.inc({ method: "GET", route: 'a"b\\c\nd', status: "500" });
    requests.inc();
    expect(requests.get({ method: "GET", route: "/api/positions", status: "200" })).toBe(2);
    expect(requests.render().split("\n")).toEqual([
      "# HELP http_requests_total HTTP requests",
      "# TYPE http_requests_total counter",
      'http_requests_total{method="GET",route="/api/positions",status="200"} 2',
      'http_requests_total{method="GET",route="a\\"b\\\\c\\nd",status="500"} 1',
      "http_requests_total 1",
    ]);
  });
});
