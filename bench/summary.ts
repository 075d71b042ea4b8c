// Everything one run measured (written to results.json) and the table printed from it.
import type { CeilingResult } from "./ceiling.ts";
import type { CorpusMix } from "./corpus.ts";
import type { DistributedResult } from "./distributed.ts";
import type { EmbeddedRun } from "./embedded.ts";
import type { IngestRun } from "./ingest.ts";
import type { Machine } from "./machine.ts";
import type { ProfileSummary } from "./profile.ts";
import { mb, pct, rate, type Line } from "./report.ts";

export const TARGETS = {
  embeddedRatio: 0.9,
  distributedRatio: 0.75,
  embeddedPeakRss: 300e6,
  distributedPeakRss: 400e6,
  ingestMbPerSecond: 90,
  ingestPeakRss: 200e6,
  /** RSS at the end may exceed RSS at 100 k rows by this much and still count as flat. */
  ingestRssGrowth: 20e6,
  /** Peak RSS with small shards may differ from big shards' by this share. */
  shardSizeRssChange: 0.15,
};
/** Other processes using more than this many cores during a timed run make its figure doubtful. */
const QUIET_CORES = 0.1;

export interface BenchResults {
  machine: Machine;
  options: Record<string, unknown>;
  corpus: CorpusMix & { warmSeconds: number };
  ceiling?: CeilingResult;
  /** pairedCeiling[i]: a ceiling pass of the best setting run just before runs[i]. */
  embedded?: { best: EmbeddedRun; runs: EmbeddedRun[]; pairedCeiling: number[] };
  embeddedSmallShards?: EmbeddedRun;
  distributed?: Extract<DistributedResult, { skipped: string }> | (Exclude<DistributedResult, { skipped: string }> & { pairedCeiling: number[] });
  ingest?: { manifest: { bytes: number; rows: number }; laionDl: IngestRun; streamJson: IngestRun; speedup: number };
  profile?: ProfileSummary;
  totalSeconds: number;
}

const formatRows = (rows: number) => (rows < 1e6 ? `${Math.round(rows / 1e3)} k` : `${(rows / 1e6).toFixed(1)} M`);

/** CPU efficiency: unlike images/s, barely moved by other load on the machine. */
const perCpu = (images: number, cpuSeconds: number) => `${(images / cpuSeconds).toFixed(1)} img/CPU-s`;

export function summaryLines(results: BenchResults, cores: number): Line[] {
  const lines: Line[] = [];
  const { corpus, ceiling, embedded, embeddedSmallShards: small, distributed, ingest } = results;
  const ceilingRate = ceiling?.best.imagesPerSecond;
  const busiestOthers: number[] = [];
  const others = (cpuSeconds: number, seconds: number) => {
    busiestOthers.push(cpuSeconds / seconds);
    return `other processes ${(cpuSeconds / seconds).toFixed(2)} cores`;
  };
  const ratioLine = (figure: string, perSecond: number, target?: number): Line => {
    if (ceilingRate === undefined) return { figure, value: rate(perSecond) };
    const ratio = perSecond / ceilingRate;
    const value = `${rate(perSecond)} = ${ratio.toFixed(2)} × ceiling`;
    return target === undefined ? { figure, value } : { figure, value, target: `≥ ${target.toFixed(2)} × ceiling`, met: ratio >= target };
  };
  const fixture = (cpuSeconds: number, seconds: number) => ({
    figure: "  fixture server",
    value: `CPU ${cpuSeconds.toFixed(1)} s = ${pct(cpuSeconds / (seconds * cores))} of the machine`,
  });

  lines.push({
    figure: "corpus",
    value:
      `${corpus.rows} images, ${mb(corpus.bytes)}: ${pct(corpus.small)} ≤ 500 px, ${pct(corpus.medium)} 501–1599, ${pct(corpus.large)} ≥ 1600; ` +
      Object.entries(corpus.formats).map(([format, share]) => `${format} ${pct(share)}`).join(" "),
  });
  if (ceiling) {
    const { best } = ceiling;
    lines.push({ figure: "ceiling: sharp alone, best setting", value: `${rate(best.imagesPerSecond)}: concurrency ${best.concurrency} × ${best.jobs} jobs, UV_THREADPOOL_SIZE ${best.threadpool}` });
    lines.push({ figure: "  images per CPU-second", value: perCpu(corpus.rows, best.cpuSeconds) });
    for (const run of ceiling.runs) {
      lines.push({
        figure: `  concurrency ${run.concurrency} × ${run.jobs} jobs`,
        value: `${run.passes.map((p) => p.imagesPerSecond.toFixed(1)).join(", ")} img/s; CPU ${(run.cpuSeconds / run.seconds).toFixed(2)} cores, ${others(run.otherCpuSeconds, run.seconds)}`,
      });
    }
  }
  if (embedded) {
    const { best, runs } = embedded;
    const peak = Math.max(...runs.map((run) => run.peakRss));
    lines.push(ratioLine(`embedded, ${best.perShard} per shard`, best.imagesPerSecond, TARGETS.embeddedRatio));
    lines.push({ figure: "  runs", value: `${runs.map((run) => run.imagesPerSecond.toFixed(1)).join(", ")} img/s` });
    const paired = pairedLine(runs, embedded.pairedCeiling, TARGETS.embeddedRatio);
    if (paired) lines.push(paired);
    lines.push({
      figure: "  best run",
      value: `${best.successes}/${best.count} in ${best.seconds.toFixed(1)} s; CPU ${(best.cpuSeconds / best.processSeconds).toFixed(2)} cores, ${others(best.otherCpuSeconds, best.processSeconds)}`,
    });
    lines.push({
      figure: "  peak RSS (VmHWM)",
      value: `${mb(peak)}; RSS at ¼ ½ ¾ end: ${best.rssAt.map((r) => Math.round(r / 1e6)).join(" ")} MB`,
      target: `< ${mb(TARGETS.embeddedPeakRss)}`,
      met: peak < TARGETS.embeddedPeakRss,
    });
    lines.push({ figure: "  images per CPU-second", value: `${perCpu(best.successes, best.cpuSeconds)} (whole process, start-up included)` });
    lines.push(fixture(best.fixtureCpuSeconds, best.processSeconds));
  }
  if (small) {
    lines.push(ratioLine(`embedded, ${small.perShard} per shard`, small.imagesPerSecond));
    lines.push({
      figure: "  peak RSS (VmHWM)",
      value: `${mb(small.peakRss)}; RSS at ¼ ½ ¾ end: ${small.rssAt.map((r) => Math.round(r / 1e6)).join(" ")} MB`,
      target: `< ${mb(TARGETS.embeddedPeakRss)}`,
      met: small.peakRss < TARGETS.embeddedPeakRss,
    });
    if (embedded) {
      const change = small.peakRss / Math.max(...embedded.runs.map((run) => run.peakRss)) - 1;
      lines.push({
        figure: `  vs ${embedded.best.perShard} per shard`,
        value: `peak RSS ${change >= 0 ? "+" : ""}${pct(change)}`,
        target: `independent (±${pct(TARGETS.shardSizeRssChange)})`,
        met: Math.abs(change) <= TARGETS.shardSizeRssChange,
      });
    }
  }
  if (distributed && "skipped" in distributed) {
    lines.push({ figure: "distributed", value: `skipped: ${distributed.skipped}` });
  } else if (distributed) {
    const { best, runs } = distributed;
    lines.push(ratioLine("distributed, 1 of each service", best.imagesPerSecond, TARGETS.distributedRatio));
    lines.push({ figure: "  runs", value: `${runs.map((run) => run.imagesPerSecond.toFixed(1)).join(", ")} img/s` });
    const paired = pairedLine(runs, distributed.pairedCeiling, TARGETS.distributedRatio);
    if (paired) lines.push(paired);
    lines.push({ figure: "  best run", value: `${best.successes}/${best.count} in ${best.seconds.toFixed(1)} s; ${others(best.otherCpuSeconds, best.seconds)}` });
    for (const [name, figures] of Object.entries(best.processes)) {
      const peak = Math.max(...runs.map((run) => run.processes[name]?.peakRss ?? 0));
      lines.push({
        figure: `  ${name}`,
        value: `peak RSS ${mb(peak)}, CPU ${(figures.cpuSeconds / best.seconds).toFixed(2)} cores`,
        target: `< ${mb(TARGETS.distributedPeakRss)}`,
        met: peak < TARGETS.distributedPeakRss,
      });
    }
    const fleetCpu = Object.values(best.processes).reduce((sum, p) => sum + p.cpuSeconds, 0);
    lines.push({ figure: "  images per CPU-second", value: `${perCpu(best.successes, fleetCpu)} (every process of the fleet)` });
    lines.push(fixture(best.fixtureCpuSeconds, best.seconds));
  }
  if (ingest) {
    const { laionDl, streamJson } = ingest;
    lines.push({
      figure: `ingest: @laion-dl/manifest, ${mb(ingest.manifest.bytes)}`,
      value: `${laionDl.mbPerSecond.toFixed(1)} MB/s (${Math.round(laionDl.rowsPerSecond / 1000)} k rows/s); ${others(laionDl.otherCpuSeconds, laionDl.seconds)}`,
      target: `≥ ${TARGETS.ingestMbPerSecond} MB/s`,
      met: laionDl.mbPerSecond >= TARGETS.ingestMbPerSecond,
    });
    lines.push({ figure: "  peak RSS (VmHWM)", value: mb(laionDl.peakRss), target: `< ${mb(TARGETS.ingestPeakRss)}`, met: laionDl.peakRss < TARGETS.ingestPeakRss });
    lines.push({
      figure: `  RSS at 100 k rows → ${(laionDl.rows / 1e6).toFixed(1)} M rows`,
      value: `${mb(laionDl.rssAt100k)} → ${mb(laionDl.rssAtEnd)} (${laionDl.rssAt.map(([rows, rss]) => `${formatRows(rows)}: ${Math.round(rss / 1e6)}`).join(", ")})`,
      target: `flat (+${mb(TARGETS.ingestRssGrowth)} at most)`,
      met: laionDl.rssAtEnd - laionDl.rssAt100k <= TARGETS.ingestRssGrowth,
    });
    lines.push({
      figure: "ingest: stream-json (baseline)",
      value: `${streamJson.mbPerSecond.toFixed(1)} MB/s; peak RSS ${mb(streamJson.peakRss)}, RSS ${mb(streamJson.rssAt100k)} → ${mb(streamJson.rssAtEnd)}; ${others(streamJson.otherCpuSeconds, streamJson.seconds)}`,
    });
    lines.push({ figure: "  @laion-dl/manifest vs stream-json", value: `${ingest.speedup.toFixed(2)} × the throughput` });
  }
  const busiest = Math.max(0, ...busiestOthers);
  if (busiest > QUIET_CORES) {
    lines.push({ figure: "WARNING", value: `other processes used up to ${busiest.toFixed(2)} of ${cores} cores during timed runs: those figures are low` });
  }
  return lines;
}

/** Each run's rate over the ceiling pass just before it, and their median against the target. */
function pairedLine(runs: readonly { imagesPerSecond: number }[], pairedCeiling: readonly number[], target: number): Line | undefined {
  if (pairedCeiling.length !== runs.length || runs.length === 0) return undefined;
  const ratios = runs.map((run, i) => run.imagesPerSecond / pairedCeiling[i]!);
  const sorted = [...ratios].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  const median = sorted.length % 2 === 1 ? sorted[Math.floor(middle)]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return {
    figure: "  each run / a ceiling pass just before it",
    value: `${runs.map((run, i) => `${run.imagesPerSecond.toFixed(0)}/${pairedCeiling[i]!.toFixed(0)} = ${ratios[i]!.toFixed(2)}`).join(", ")}; median ${median.toFixed(2)}`,
    target: `≥ ${target.toFixed(2)}`,
    met: median >= target,
  };
}
