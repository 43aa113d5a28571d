/**
 * A log-log line chart as a plain SVG string (no plotting dependency): the
 * bench's latency against load. Points that are not finite and positive are
 * left out (a line breaks there rather than dropping to zero).
 */
export interface Series {
  name: string;
  color: string;
  /** Drawn dashed (a baseline beside the measured lines). */
  dashed?: boolean;
  /** `open`: drawn as a hollow marker (a point that did not get the load asked of it). */
  points: Array<{ x: number; y: number; open?: boolean }>;
}

export interface LogChart {
  title: string;
  xLabel: string;
  yLabel: string;
  /** x positions to label (the measured loads). */
  xTicks: number[];
  formatX: (x: number) => string;
  series: Series[];
  /** Horizontal reference lines (a target). */
  rules?: Array<{ y: number; label: string }>;
  /** What a hollow marker means, under the legend. */
  openNote?: string;
}

const WIDTH = 640;
const HEIGHT = 400;
const MARGIN = { left: 70, right: 150, top: 36, bottom: 52 };

const xml = (text: string) => text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
const usable = (v: number) => Number.isFinite(v) && v > 0;

/** "1 us", "10 ms", "1 s" for a power of ten in microseconds. */
export function formatMicros(us: number): string {
  if (us >= 1e6) return `${us / 1e6} s`;
  if (us >= 1e3) return `${us / 1e3} ms`;
  return `${us} us`;
}

export function logChart(chart: LogChart): string {
  const ys = [...chart.series.flatMap((s) => s.points.map((p) => p.y)), ...(chart.rules ?? []).map((r) => r.y)].filter(
    usable,
  );
  const xs = [...chart.xTicks, ...chart.series.flatMap((s) => s.points.map((p) => p.x))].filter(usable);
  const yMin = 10 ** Math.floor(Math.log10(Math.min(...ys, 1)));
  const yMax = 10 ** Math.ceil(Math.log10(Math.max(...ys, 10)));
  const xMin = Math.min(...xs);
  const xMax = Math.max(...xs, xMin * 10);
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  // Half a decade of room on each side of x so the end points do not sit on the frame.
  const lx0 = Math.log10(xMin) - 0.15;
  const lx1 = Math.log10(xMax) + 0.15;
  const px = (x: number) => MARGIN.left + ((Math.log10(x) - lx0) / (lx1 - lx0)) * plotW;
  const py = (y: number) =>
    MARGIN.top + plotH - ((Math.log10(y) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin))) * plotH;
  const r = (n: number) => n.toFixed(1);

  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    // The title element names the chart for screen readers (and Biome's a11y lint checks it).
    `<title>${xml(chart.title)}</title>`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    `<text x="${WIDTH / 2 - MARGIN.right / 2}" y="20" text-anchor="middle" font-size="14">${xml(chart.title)}</text>`,
  ];
  for (let y = yMin; y <= yMax * 1.0001; y *= 10) {
    out.push(
      `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${r(py(y))}" y2="${r(py(y))}" stroke="#ddd"/>`,
      `<text x="${MARGIN.left - 6}" y="${r(py(y) + 4)}" text-anchor="end">${formatMicros(y)}</text>`,
    );
  }
  for (const x of chart.xTicks.filter(usable)) {
    out.push(
      `<line x1="${r(px(x))}" x2="${r(px(x))}" y1="${MARGIN.top}" y2="${MARGIN.top + plotH}" stroke="#eee"/>`,
      `<text x="${r(px(x))}" y="${MARGIN.top + plotH + 16}" text-anchor="middle">${xml(chart.formatX(x))}</text>`,
    );
  }
  out.push(
    `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#888"/>`,
    `<text x="${MARGIN.left + plotW / 2}" y="${HEIGHT - 12}" text-anchor="middle">${xml(chart.xLabel)}</text>`,
    `<text transform="translate(16 ${MARGIN.top + plotH / 2}) rotate(-90)" text-anchor="middle">${xml(chart.yLabel)}</text>`,
  );
  for (const rule of chart.rules ?? []) {
    if (!usable(rule.y)) continue;
    out.push(
      `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${r(py(rule.y))}" y2="${r(py(rule.y))}" stroke="#c00" stroke-dasharray="2 3"/>`,
      `<text x="${MARGIN.left + plotW - 4}" y="${r(py(rule.y) - 4)}" text-anchor="end" fill="#c00">${xml(rule.label)}</text>`,
    );
  }
  chart.series.forEach((series, i) => {
    const dash = series.dashed ? ` stroke-dasharray="6 4"` : "";
    // Consecutive usable points form one segment; an unusable point breaks the line.
    let segment: string[] = [];
    const flush = () => {
      if (segment.length > 1)
        out.push(
          `<polyline fill="none" stroke="${series.color}" stroke-width="2"${dash} points="${segment.join(" ")}"/>`,
        );
      segment = [];
    };
    for (const p of [...series.points].sort((a, b) => a.x - b.x)) {
      if (!usable(p.x) || !usable(p.y)) {
        flush();
        continue;
      }
      segment.push(`${r(px(p.x))},${r(py(p.y))}`);
      const fill = p.open ? `fill="white" stroke="${series.color}" stroke-width="1.5"` : `fill="${series.color}"`;
      out.push(`<circle cx="${r(px(p.x))}" cy="${r(py(p.y))}" r="3.5" ${fill}/>`);
    }
    flush();
    const ly = MARGIN.top + 10 + i * 20;
    const lx = MARGIN.left + plotW + 12;
    out.push(
      `<line x1="${lx}" x2="${lx + 24}" y1="${ly}" y2="${ly}" stroke="${series.color}" stroke-width="2"${dash}/>`,
      `<text x="${lx + 30}" y="${ly + 4}">${xml(series.name)}</text>`,
    );
  });
  if (chart.series.some((s) => s.points.some((p) => p.open)) && chart.openNote) {
    const ly = MARGIN.top + 10 + chart.series.length * 20;
    const lx = MARGIN.left + plotW + 12;
    out.push(`<circle cx="${lx + 12}" cy="${ly}" r="3.5" fill="white" stroke="#555" stroke-width="1.5"/>`);
    chart.openNote.split("\n").forEach((line, i) => {
      out.push(`<text x="${lx + 30}" y="${ly + 4 + i * 14}" font-size="11">${xml(line)}</text>`);
    });
  }
  out.push("</svg>");
  return `${out.join("\n")}\n`;
}
