import type { Outcome, Profile, Table } from "./scenario.ts";
import { type Spread, spread } from "./stats.ts";

export interface Target {
  id: string;
  scenario: string;
  metric: string;
  label: string;
  op: "<=" | ">=";
  threshold: number;
  unit: string;
  /** median: the median of the repetitions must meet it; worst: every repetition must. */
  judge: "median" | "worst";
}

export type Status = "pass" | "fail" | "not measured" | "not judged (smoke)";

export interface TargetResult extends Target {
  status: Status;
  value: number | null;
  spread: Spread | null;
  reason?: string;
}

export interface ScenarioReport {
  id: string;
  title: string;
  outcome?: Outcome;
  error?: string;
  seconds: number;
  /** The load average (1/5/15 min, as `uptime`) when the scenario started and ended. */
  load?: { start: string; end: string };
  /** When it started and on which commit: a merged report (`--merge`) holds scenarios of several runs. */
  ranAt?: string;
  commit?: string;
  profile?: Profile;
}

export interface Report {
  generatedAt: string;
  mode: "full" | "smoke";
  reps: number;
  durationSec: number;
  exitCode: number;
  machine: Record<string, unknown>;
  versions: Record<string, string>;
  targets: TargetResult[];
  scenarios: ScenarioReport[];
  /** Scenarios re-run into this report since the full run (`just bench --only=... --merge`), oldest first. */
  reruns?: Array<{
    at: string;
    commit: string;
    reps: number;
    /** The scenarios that run measured (its --only). */
    ran?: string[];
    /** Those of them whose results the report still holds (a later re-run replaces the rest). */
    scenarios: string[];
  }>;
}

/**
 * The committed full report (`path`'s text) that --merge starts from, checked
 * before the run: a garbled or foreign file fails now, naming itself, rather
 * than after the re-run measured for an hour and mergeReports broke on it
 * (nothing written, the re-run lost).
 */
export function parseCommittedReport(text: string, path: string): Report {
  let report: unknown;
  try {
    report = JSON.parse(text);
  } catch (error) {
    throw new Error(
      `--merge: ${path} is not JSON (${(error as Error).message}); restore it or run the full \`just bench\``,
    );
  }
  const r = report as Partial<Report> | null;
  if (
    r === null ||
    typeof r !== "object" ||
    r.mode !== "full" ||
    !Array.isArray(r.scenarios) ||
    !Array.isArray(r.targets) ||
    typeof r.machine !== "object" ||
    r.machine === null ||
    r.scenarios.some((s) => typeof s?.id !== "string") ||
    r.targets.some((t) => typeof t?.id !== "string" || typeof t?.scenario !== "string")
  )
    throw new Error(
      `--merge: ${path} is not a full run's report (mode "full", scenarios and targets); restore it or run the full \`just bench\``,
    );
  return r as Report;
}

/**
 * The committed full report with some scenarios run again: each re-run
 * scenario and its targets replace the old ones in place, every other
 * scenario keeps the run it came from (its own time, commit and load line),
 * and the header lists the re-runs. The exit code is judged again over all targets.
 */
export function mergeReports(base: Report, rerun: Report): Report {
  const ids = new Set(rerun.scenarios.map((s) => s.id));
  const scenarios = base.scenarios.map((s) => rerun.scenarios.find((r) => r.id === s.id) ?? s);
  for (const s of rerun.scenarios) if (!base.scenarios.some((b) => b.id === s.id)) scenarios.push(s);
  const targets = base.targets
    .filter((t) => !ids.has(t.scenario))
    .concat(rerun.targets)
    .sort((a, b) => base.targets.findIndex((t) => t.id === a.id) - base.targets.findIndex((t) => t.id === b.id));
  const broken = scenarios.some((s) => s.error);
  const missed = targets.some((t) => t.status === "fail" || t.status === "not measured");
  return {
    ...base,
    exitCode: broken || missed ? 1 : 0,
    targets,
    scenarios,
    reruns: [
      ...(base.reruns ?? [])
        .map((r) => ({ ...r, ran: r.ran ?? r.scenarios, scenarios: r.scenarios.filter((id) => !ids.has(id)) }))
        .filter((r) => r.scenarios.length > 0),
      {
        at: rerun.generatedAt,
        commit: String(rerun.machine.commit ?? "unknown"),
        reps: rerun.reps,
        ran: [...ids],
        scenarios: [...ids],
      },
    ],
  };
}

/** Judges every target against its scenario's per-repetition values. */
export function evaluateTargets(targets: Target[], scenarios: ScenarioReport[], smoke: boolean): TargetResult[] {
  return targets.map((target) => {
    const scenario = scenarios.find((s) => s.id === target.scenario);
    if (!scenario) return { ...target, status: "not measured", value: null, spread: null, reason: "scenario not run" };
    if (scenario.error)
      return {
        ...target,
        status: "not measured",
        value: null,
        spread: null,
        reason: `scenario failed: ${scenario.error}`,
      };
    const unavailable = scenario.outcome?.unavailable?.[target.metric];
    const values = scenario.outcome?.metrics[target.metric];
    if (unavailable || !values || values.length === 0 || values.every((v) => !Number.isFinite(v)))
      return { ...target, status: "not measured", value: null, spread: null, reason: unavailable ?? "no value" };
    const s = spread(values);
    const worst = target.op === "<=" ? s.max : s.min;
    const value = target.judge === "worst" ? worst : s.median;
    const met = target.op === "<=" ? value <= target.threshold : value >= target.threshold;
    const status: Status = smoke ? "not judged (smoke)" : met ? "pass" : "fail";
    return { ...target, status, value, spread: s };
  });
}

const num = (n: number | null | undefined, unit = "") => {
  if (n === null || n === undefined || !Number.isFinite(n)) return "n/a";
  const abs = Math.abs(n);
  const text =
    abs >= 100_000
      ? Math.round(n).toLocaleString("en-US")
      : abs >= 100
        ? n.toFixed(0)
        : abs >= 10
          ? n.toFixed(1)
          : n.toFixed(2);
  return unit ? `${text} ${unit}` : text;
};

const cell = (value: unknown) => String(value).replaceAll("|", "\\|").replaceAll("\n", " ");

export function renderTable(table: Table): string {
  const lines = [
    `**${table.title}**`,
    "",
    `| ${table.headers.map(cell).join(" | ")} |`,
    `|${table.headers.map(() => "---").join("|")}|`,
    ...table.rows.map((row) => `| ${row.map(cell).join(" | ")} |`),
    "",
  ];
  return lines.join("\n");
}

const STATUS_MARK: Record<Status, string> = {
  pass: "PASS",
  fail: "**FAIL**",
  "not measured": "**NOT MEASURED**",
  "not judged (smoke)": "smoke",
};

export function renderMarkdown(report: Report): string {
  const out: string[] = [];
  out.push(`# JTS bench report${report.mode === "smoke" ? " (smoke mode: tiny sizes, nothing judged)" : ""}`);
  out.push("");
  out.push(
    `Generated ${report.generatedAt} by \`${report.mode === "smoke" ? "just bench-smoke" : "just bench"}\` in ${Math.round(report.durationSec / 60)} min ` +
      `(${report.durationSec} s); every scenario repeated ${report.reps} time${report.reps === 1 ? "" : "s"}; exit code ${report.exitCode}.`,
  );
  out.push("");
  for (const r of report.reruns ?? [])
    out.push(
      `Re-run since (\`just bench --only=${(r.ran ?? r.scenarios).join(",")} --merge\`, ${r.reps} repetition${r.reps === 1 ? "" : "s"}) at ${r.at} on ${r.commit}: the sections and targets of ${r.scenarios.join(", ")} below come from that run, the machine block from the full run.`,
      "",
    );
  out.push("## Machine and versions");
  out.push("");
  out.push("| | |");
  out.push("|---|---|");
  for (const [k, v] of Object.entries(report.machine)) out.push(`| ${cell(k)} | ${cell(v)} |`);
  for (const [k, v] of Object.entries(report.versions)) out.push(`| ${cell(k)} | ${cell(v)} |`);
  out.push("");
  out.push("## Targets");
  out.push("");
  out.push(
    "Value = the median of the repetitions (or the worst one where the target says never/every). Spread = min–max over the repetitions (relative spread in brackets).",
  );
  out.push("");
  out.push("| # | target | threshold | value | spread (min–max) | reps | status |");
  out.push("|---|---|---|---|---|---|---|");
  for (const t of report.targets) {
    const s = t.spread;
    const spreadText = s
      ? `${num(s.min)}–${num(s.max)} (±${Math.round((s.relSpread * 100) / 2)}%)`
      : cell(t.reason ?? "");
    out.push(
      `| ${t.id} | ${cell(t.label)} | ${t.op} ${num(t.threshold, t.unit)} | ${num(t.value, t.unit)}${t.judge === "worst" ? " (worst)" : ""} | ${spreadText} | ${s ? s.values.length : 0} | ${STATUS_MARK[t.status]} |`,
    );
  }
  out.push("");
  const missed = report.targets.filter((t) => t.status === "fail" || t.status === "not measured");
  if (missed.length > 0) {
    out.push("### Missed or not measured");
    out.push("");
    for (const t of missed) {
      out.push(
        `- **${t.id}** ${t.label}: ${t.status === "fail" ? `${num(t.value, t.unit)} against ${t.op} ${num(t.threshold, t.unit)}` : `not measured: ${t.reason}`}. See the scenario's breakdown${report.scenarios.find((s) => s.id === t.scenario)?.profile ? " and profile" : ""} below.`,
      );
    }
    out.push("");
  }
  out.push("## Scenarios");
  out.push("");
  for (const s of report.scenarios) {
    out.push(`### ${s.title}`);
    out.push("");
    out.push(
      `_${s.seconds} s${s.load ? `; load average (1/5/15 min) ${s.load.start} at the start, ${s.load.end} at the end` : ""}${s.ranAt ? `; run at ${s.ranAt} on ${s.commit ?? "unknown"}` : ""}_`,
    );
    out.push("");
    if (s.error) {
      out.push(`The scenario failed: \`${cell(s.error)}\``);
      out.push("");
      continue;
    }
    for (const note of s.outcome?.notes ?? []) out.push(`- ${note}`);
    if ((s.outcome?.notes ?? []).length > 0) out.push("");
    for (const [metric, reason] of Object.entries(s.outcome?.unavailable ?? {}))
      out.push(`- Not measured (${metric}): ${reason}`);
    for (const table of s.outcome?.tables ?? []) out.push(renderTable(table));
    for (const figure of s.outcome?.figures ?? []) out.push(`![${cell(figure.title)}](${figure.file})`, "");
    const metrics = Object.entries(s.outcome?.metrics ?? {});
    if (metrics.length > 0) {
      out.push("<details><summary>Every repetition</summary>");
      out.push("");
      out.push("| metric | values |");
      out.push("|---|---|");
      for (const [name, values] of metrics) out.push(`| ${name} | ${values.map((v) => num(v)).join(", ")} |`);
      out.push("");
      out.push("</details>");
      out.push("");
    }
    if (s.profile) {
      out.push(`**CPU profile** (Bun --cpu-prof, a separate run of the same work). ${s.profile.summary}`);
      out.push("");
      out.push(...s.profile.hot);
      out.push("");
      if (s.profile.files.length > 0)
        out.push(`Full profiles (git-ignored): ${s.profile.files.map((f) => `\`${f}\``).join(", ")}`);
      out.push("");
    }
  }
  return `${out.join("\n")}\n`;
}
