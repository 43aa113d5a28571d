/**
 * A minimal Prometheus registry: counters, gauges and fixed-bucket histograms
 * rendered in the text exposition format (version 0.0.4).
 */
type Labels = Record<string, string>;

const NEEDS_ESCAPE = /[\\"\n]/;
const escapeLabel = (value: string) =>
  NEEDS_ESCAPE.test(value) ? value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n") : value;

/** `a="1",b="2"`; runs on every HTTP request (twice), so no entries/map/join and no replace on plain values. */
function labelKey(labels: Labels): string {
  let key = "";
  for (const name in labels) key += `${key === "" ? "" : ","}${name}="${escapeLabel(labels[name] as string)}"`;
  return key;
}

interface Metric {
  render(): string;
}

/** One label set of a counter, its key computed once: `inc` is then an addition. */
export interface CounterSeries {
  inc(by?: number): void;
}

/** One label set of a histogram, its key computed once. */
export interface HistogramSeries {
  observe(value: number): void;
}

export class Counter implements Metric {
  private readonly values = new Map<string, { value: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  inc(labels: Labels = {}, by = 1) {
    this.cell(labelKey(labels)).value += by;
  }
  /** The series of `labels`, for a hot path that counts the same labels again and again (HTTP requests). */
  bind(labels: Labels = {}): CounterSeries {
    const cell = this.cell(labelKey(labels));
    return {
      inc: (by = 1) => {
        cell.value += by;
      },
    };
  }
  get(labels: Labels = {}) {
    return this.values.get(labelKey(labels))?.value ?? 0;
  }
  render() {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const [key, { value }] of this.values) lines.push(`${this.name}${key ? `{${key}}` : ""} ${value}`);
    return lines.join("\n");
  }
  private cell(key: string) {
    let cell = this.values.get(key);
    if (!cell) {
      cell = { value: 0 };
      this.values.set(key, cell);
    }
    return cell;
  }
}

export class Gauge implements Metric {
  private readonly values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  set(value: number, labels: Labels = {}) {
    this.values.set(labelKey(labels), value);
  }
  /** Drops every series: for a gauge rebuilt whole at each scrape, whose label sets come and go. */
  reset() {
    this.values.clear();
  }
  render() {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} gauge`];
    for (const [key, value] of this.values) lines.push(`${this.name}${key ? `{${key}}` : ""} ${value}`);
    return lines.join("\n");
  }
}

export class Histogram implements Metric {
  private readonly series = new Map<string, { counts: number[]; sum: number; count: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: number[] = [0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  ) {}
  observe(value: number, labels: Labels = {}) {
    this.record(this.seriesAt(labelKey(labels)), value);
  }
  /** The series of `labels`, for a hot path that observes the same labels again and again. */
  bind(labels: Labels = {}): HistogramSeries {
    const s = this.seriesAt(labelKey(labels));
    return { observe: (value) => this.record(s, value) };
  }
  private seriesAt(key: string) {
    let s = this.series.get(key);
    if (!s) {
      s = { counts: this.buckets.map(() => 0), sum: 0, count: 0 };
      this.series.set(key, s);
    }
    return s;
  }
  private record(s: { counts: number[]; sum: number; count: number }, value: number) {
    for (let i = 0; i < this.buckets.length; i++)
      if (value <= (this.buckets[i] as number)) s.counts[i] = (s.counts[i] ?? 0) + 1;
    s.sum += value;
    s.count++;
  }
  render() {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const [key, s] of this.series) {
      const sep = key ? `${key},` : "";
      for (let i = 0; i < this.buckets.length; i++)
        lines.push(`${this.name}_bucket{${sep}le="${this.buckets[i]}"} ${s.counts[i]}`);
      lines.push(`${this.name}_bucket{${sep}le="+Inf"} ${s.count}`);
      lines.push(`${this.name}_sum${key ? `{${key}}` : ""} ${s.sum}`);
      lines.push(`${this.name}_count${key ? `{${key}}` : ""} ${s.count}`);
    }
    return lines.join("\n");
  }
}

export class MetricsRegistry {
  private readonly metrics: Metric[] = [];
  private readonly collectors: Array<() => void | Promise<void>> = [];
  /**
   * `collect` runs before every scrape (GET /metrics): for a gauge read off the
   * service's state (a count in its database) rather than kept up to date by
   * each change. A collector that fails leaves its gauges as they were; the
   * database's own alert (jts_dependency_up) says why.
   */
  onScrape(collect: () => void | Promise<void>): void {
    this.collectors.push(collect);
  }
  /** Runs every onScrape collector (the /metrics route does, before render). */
  async collect(): Promise<void> {
    await Promise.all(
      this.collectors.map((collect) =>
        Promise.resolve()
          .then(collect)
          .catch(() => {}),
      ),
    );
  }
  counter(name: string, help: string) {
    return this.add(new Counter(name, help));
  }
  gauge(name: string, help: string) {
    return this.add(new Gauge(name, help));
  }
  histogram(name: string, help: string, buckets?: number[]) {
    return this.add(new Histogram(name, help, buckets));
  }
  render(): string {
    return `${this.metrics.map((m) => m.render()).join("\n")}\n`;
  }
  private add<M extends Metric>(metric: M): M {
    this.metrics.push(metric);
    return metric;
  }
}
