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

  it("counts a bound series in the same series as inc with the same labels", () => {
    const registry = new MetricsRegistry();
    const requests = registry.counter("http_requests_total", "HTTP requests");
    const duration = registry.histogram("http_request_duration_seconds", "HTTP request duration", [0.1, 1]);
    const bound = requests.bind({ method: "GET", route: "/api/positions", status: "200" });
    bound.inc();
    bound.inc(2);
    requests.inc({ method: "GET", route: "/api/positions", status: "200" });
    expect(requests.get({ method: "GET", route: "/api/positions", status: "200" })).toBe(4);
    const timed = duration.bind({ route: "/api/positions" });
    timed.observe(0.05);
    duration.observe(0.5, { route: "/api/positions" });
    expect(duration.render()).toContain('http_request_duration_seconds_bucket{route="/api/positions",le="0.1"} 1');
    expect(duration.render()).toContain('http_request_duration_seconds_count{route="/api/positions"} 2');
  });
});
