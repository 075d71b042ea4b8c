// Everything one run measured (written to results.json) and the table printed from it.
import { defaultShardWorkers } from "@laion-dl/config";
import type { CeilingResult } from "./ceiling.ts";
import type { CorpusMix } from "./corpus.ts";
import type { PairedDistributedResult } from "./distributed.ts";
import type { EmbeddedRun } from "./embedded.ts";
import type { IngestRun } from "./ingest.ts";
import type { Machine } from "./machine.ts";
import type { ProfileSummary } from "./profile.ts";
import type { LeanestSeries, PhotoProfileResult, ProfileResults } from "./profiles.ts";
import { mb, pct, rate, type Line } from "./report.ts";
import { projection } from "./threads.ts";

export const TARGETS = {
  embeddedRatio: 0.9,
  /** Issue #11 (was 0.75 in #6). */
  distributedRatio: 0.8,
  /** Embedded images per CPU-second over sharp alone's, and cores busy during the download (share of all). */
  embeddedCpuRatio: 0.9,
  coresBusyShare: 0.95,
  /** WAN rows per second over the same manifest served instantly. */
  wanRatio: 0.9,
  /** The busiest thread's cap on one process over cores × sharp alone's per-core rate, on 16 cores. */
  threadCapRatio: 1,
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
  /** Ceiling passes of the best setting around the runs: [i] just before runs[i], [i + 1] just after it. */
  embedded?: { best: EmbeddedRun; runs: EmbeddedRun[]; pairedCeiling: number[] };
  embeddedSmallShards?: EmbeddedRun;
  distributed?: PairedDistributedResult;
  ingest?: { manifest: { bytes: number; rows: number }; laionDl: IngestRun; streamJson: IngestRun; speedup: number };
  profile?: ProfileSummary;
  /** Issue #11's photo-like and WAN profiles (beside the demo corpus's figures above). */
  profiles?: ProfileResults;
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
  const ratioLine = (figure: string, perSecond: number, target?: number, against = ceilingRate): Line => {
    if (against === undefined) return { figure, value: rate(perSecond) };
    const ceilingRate = against;
    const ratio = perSecond / ceilingRate;
    const value = `${rate(perSecond)} = ${ratio.toFixed(2)} × ceiling`;
    return target === undefined ? { figure, value } : { figure, value, target: `≥ ${target.toFixed(2)} × ceiling`, met: ratio >= target };
  };
  const fixture = (cpuSeconds: number, seconds: number) => ({
    figure: "  fixture server",
    value: `CPU ${cpuSeconds.toFixed(1)} s = ${pct(cpuSeconds / (seconds * cores))} of the machine`,
  });

  /** Issue #11's figures of one embedded run: cores busy, CPU per image against sharp alone, the busiest thread. */
  const downloadLines = (run: EmbeddedRun, against: CeilingResult | undefined): Line[] => {
    const download = run.download;
    if (!download) return [];
    const out: Line[] = [];
    const coresTarget = TARGETS.coresBusyShare * cores;
    out.push({
      figure: "  cores busy during the download",
      value: `${download.coresBusy.toFixed(2)} of ${cores} (${download.cpuSeconds.toFixed(1)} CPU-s in the last ${download.seconds.toFixed(1)} s)`,
      target: `≥ ${coresTarget.toFixed(2)}`,
      met: download.coresBusy >= coresTarget,
    });
    const ceilingPerCpu = against ? against.best.images / against.best.cpuSeconds : undefined;
    const perCpuDuring = run.successes / download.cpuSeconds;
    out.push(
      ceilingPerCpu === undefined
        ? { figure: "  images per CPU-second, download", value: perCpu(run.successes, download.cpuSeconds) }
        : {
            figure: "  images per CPU-second, download",
            value: `${perCpuDuring.toFixed(1)} = ${(perCpuDuring / ceilingPerCpu).toFixed(2)} × sharp alone's ${ceilingPerCpu.toFixed(1)}`,
            target: `≥ ${TARGETS.embeddedCpuRatio.toFixed(2)} ×`,
            met: perCpuDuring / ceilingPerCpu >= TARGETS.embeddedCpuRatio,
          },
    );
    const [busiest] = download.threads;
    if (!busiest || run.successes === 0) return out;
    const msPerImage = (thread: { cpuSeconds: number }) => ((thread.cpuSeconds / run.successes) * 1000).toFixed(2);
    out.push({
      figure: "  busiest threads, CPU per image",
      value: download.threads
        .slice(0, 4)
        .map((t) => `${t.main ? "main " : ""}${t.name} ${msPerImage(t)} ms`)
        .join(", "),
    });
    if (ceilingPerCpu !== undefined) {
      for (const many of [16, 64]) {
        const workers = defaultShardWorkers(many);
        const { cap, ceiling: bigCeiling, ratio } = projection(busiest.cpuSeconds / run.successes, ceilingPerCpu, many, workers);
        out.push({
          figure: `  one process on ${many} cores`,
          value: `${workers} shard workers (its default there), each as busy per image as the busiest thread here: at most ${cap.toFixed(0)} img/s = ${ratio.toFixed(2)} × ${many} × sharp alone per core (${bigCeiling.toFixed(0)} img/s)`,
          ...(many === 16 ? { target: `≥ ${TARGETS.threadCapRatio.toFixed(2)} ×`, met: ratio >= TARGETS.threadCapRatio } : {}),
        });
      }
    }
    return out;
  };

  const rssLine = (runs: readonly EmbeddedRun[], best: EmbeddedRun): Line => {
    const peak = Math.max(...runs.map((run) => run.peakRss));
    return {
      figure: "  peak RSS (VmHWM)",
      value: `${mb(peak)}; RSS at ¼ ½ ¾ end: ${best.rssAt.map((r) => Math.round(r / 1e6)).join(" ")} MB`,
      target: `< ${mb(TARGETS.embeddedPeakRss)}`,
      met: peak < TARGETS.embeddedPeakRss,
    };
  };

  /** One embedded setting's runs (best, each, paired with a ceiling pass) against `against`. */
  const embeddedLines = (
    label: string,
    series: { best: EmbeddedRun; runs: EmbeddedRun[]; pairedCeiling: number[] },
    against: CeilingResult | undefined,
    indent = "",
  ): Line[] => {
    const { best, runs } = series;
    const out: Line[] = [ratioLine(label, best.imagesPerSecond, TARGETS.embeddedRatio, against?.best.imagesPerSecond)];
    out.push({ figure: "  runs", value: `${runs.map((run) => run.imagesPerSecond.toFixed(1)).join(", ")} img/s` });
    const paired = pairedLine(runs, series.pairedCeiling, TARGETS.embeddedRatio);
    if (paired) out.push(paired);
    out.push({
      figure: "  best run",
      value: `${best.successes}/${best.count} in ${best.seconds.toFixed(1)} s; CPU ${(best.cpuSeconds / best.processSeconds).toFixed(2)} cores, ${others(best.otherCpuSeconds, best.processSeconds)}`,
    });
    out.push(rssLine(runs, best));
    out.push({ figure: "  images per CPU-second", value: `${perCpu(best.successes, best.cpuSeconds)} (whole process, start-up included)` });
    out.push(...downloadLines(best, against));
    out.push(fixture(best.fixtureCpuSeconds, best.processSeconds));
    return out.map((line, i) => (i === 0 ? line : { ...line, figure: `${indent}${line.figure}` }));
  };

  /** The leanest pipeline beside the ceiling, and what laion-dl's embedded runs add to it (paired medians over paired medians). */
  const leanestLines = (series: LeanestSeries, photo: PhotoProfileResult, indent: string): Line[] => {
    const { best, runs } = series;
    const out: Line[] = [
      ratioLine(
        `${indent}leanest pipeline: undici, sha256, transform, nothing written (${best.downloads} downloads, ${best.jobs} images at once)`,
        best.imagesPerSecond,
        undefined,
        photo.ceiling?.best.imagesPerSecond,
      ),
      { figure: "  runs", value: `${runs.map((run) => run.imagesPerSecond.toFixed(1)).join(", ")} img/s` },
    ];
    const paired = pairedLine(runs, series.pairedCeiling);
    if (paired) out.push(paired);
    out.push({
      figure: "  best run",
      value: `${best.successes}/${best.rows} in ${best.seconds.toFixed(1)} s; CPU ${(best.cpuSeconds / best.seconds).toFixed(2)} cores, ${perCpu(best.successes, best.cpuSeconds)}`,
    });
    const leanest = pairedRatios(runs, series.pairedCeiling)?.median;
    const embedded = photo.embedded.find((each) => each.threadCount === undefined);
    const ours = embedded && pairedRatios(embedded.runs, embedded.pairedCeiling)?.median;
    if (leanest && ours) {
      out.push({
        figure: "  embedded (default thread_count) / leanest",
        value: `${ours.toFixed(2)} / ${leanest.toFixed(2)} = ${(ours / leanest).toFixed(2)} (paired medians)`,
      });
    }
    return out.map((line, i) => (i === 0 ? line : { ...line, figure: `${indent}${line.figure}` }));
  };

  const fleetLines = (label: string, fleet: Exclude<PairedDistributedResult, { skipped: string }>, against: number | undefined, indent = ""): Line[] => {
    const out: Line[] = [];
    const { best, runs } = fleet;
    out.push(ratioLine(label, best.imagesPerSecond, TARGETS.distributedRatio, against));
    out.push({ figure: "  runs", value: `${runs.map((run) => run.imagesPerSecond.toFixed(1)).join(", ")} img/s` });
    const paired = pairedLine(runs, fleet.pairedCeiling, TARGETS.distributedRatio);
    if (paired) out.push(paired);
    out.push({ figure: "  best run", value: `${best.successes}/${best.count} in ${best.seconds.toFixed(1)} s; ${others(best.otherCpuSeconds, best.seconds)}` });
    for (const [name, figures] of Object.entries(best.processes)) {
      const peak = Math.max(...runs.map((run) => run.processes[name]?.peakRss ?? 0));
      out.push({
        figure: `  ${name}`,
        value: `peak RSS ${mb(peak)}, CPU ${(figures.cpuSeconds / best.seconds).toFixed(2)} cores`,
        target: `< ${mb(TARGETS.distributedPeakRss)}`,
        met: peak < TARGETS.distributedPeakRss,
      });
    }
    const fleetCpu = Object.values(best.processes).reduce((sum, p) => sum + p.cpuSeconds, 0);
    out.push({ figure: "  images per CPU-second", value: `${perCpu(best.successes, fleetCpu)} (every process of the fleet)` });
    out.push(fixture(best.fixtureCpuSeconds, best.seconds));
    return out.map((line, i) => (i === 0 ? line : { ...line, figure: `${indent}${line.figure}` }));
  };

  const profileLines = ({ photo, wan, breakdown }: ProfileResults): Line[] => {
    const out: Line[] = [];
    if (photo) {
      const { corpus: mix } = photo;
      out.push({
        figure: "photo profile",
        value:
          `${mix.failures?.rows ?? mix.rows} rows: ${mix.rows} images, ${mb(mix.bytes)} (${Math.round(mix.bytes / Math.max(mix.rows, 1) / 1000)} KB each), ` +
          `${Object.entries(mix.formats)
            .map(([format, share]) => `${format} ${pct(share)}`)
            .join(" ")}; 404 ${pct(mix.failures?.notFound ?? 0)}, slow ${pct(mix.failures?.slow ?? 0)}`,
      });
      const photoCeiling = photo.ceiling?.best;
      if (photoCeiling) {
        out.push({
          figure: "  ceiling: sharp alone, best setting",
          value: `${rate(photoCeiling.imagesPerSecond)}, ${perCpu(photoCeiling.images, photoCeiling.cpuSeconds)}: concurrency ${photoCeiling.concurrency} × ${photoCeiling.jobs} jobs`,
        });
      }
      for (const series of photo.embedded) {
        const threads = series.threadCount === undefined ? "default thread_count" : `thread_count ${series.threadCount}`;
        out.push(...embeddedLines(`  embedded, ${series.best.perShard} per shard, ${threads}`, series, photo.ceiling, "  "));
      }
      if (photo.leanest) out.push(...leanestLines(photo.leanest, photo, "  "));
      if (photo.fleet && "skipped" in photo.fleet) out.push({ figure: "  distributed", value: `skipped: ${photo.fleet.skipped}` });
      else if (photo.fleet) out.push(...fleetLines("  distributed, 1 of each service", photo.fleet, photoCeiling?.imagesPerSecond, "  "));
    }
    if (wan) {
      const { instant, best } = wan;
      out.push({
        figure: "WAN profile (photo rows)",
        value:
          `${Object.entries(wan.fates)
            .map(([kind, n]) => `${kind} ${n}`)
            .join(", ")}; first byte lognormal, median ${wan.profile.medianMs} ms, ` +
          `p99 ${wan.profile.p99Ms} ms; drip ${Math.round(wan.profile.dripBytesPerSecond / 1024)} KiB/s`,
      });
      const side = (run: EmbeddedRun) =>
        `${run.rowsPerSecond.toFixed(1)} rows/s, ${rate(run.imagesPerSecond)} (${run.successes}/${run.count} in ${run.seconds.toFixed(1)} s)`;
      out.push({ figure: "  instant | WAN, default thread_count", value: `${side(instant)} | ${side(best)}` });
      const steady = (run: EmbeddedRun) => (run.steadyRowsPerSecond === undefined ? "?" : `${run.steadyRowsPerSecond.toFixed(1)} rows/s`);
      out.push({ figure: "  instant | WAN in full flow (10 % to 90 % of rows)", value: `${steady(instant)} | ${wan.runs.map(steady).join(", ")}` });
      out.push({
        figure: "  WAN / instant, whole runs",
        value: `${wan.ratio.toFixed(2)} × the rows per second (includes waiting out the last hung rows' timeout at the end)`,
      });
      if (wan.steadyRatio !== undefined) {
        out.push({
          figure: "  WAN / instant, in full flow",
          value: `${wan.steadyRatio.toFixed(2)} × the rows per second`,
          target: `≥ ${TARGETS.wanRatio.toFixed(2)}`,
          met: wan.steadyRatio >= TARGETS.wanRatio,
        });
      }
      out.push({ figure: "  WAN runs", value: `${wan.runs.map((run) => run.rowsPerSecond.toFixed(1)).join(", ")} rows/s` });
      out.push(
        ...[
          ...(best.download ? [{ figure: "  cores busy during the download", value: `${best.download.coresBusy.toFixed(2)} of ${cores}` }] : []),
          rssLine(wan.runs, best),
        ],
      );
    }
    if (breakdown) {
      const shares = (list: readonly { name: string; share: number }[], top: number) =>
        list
          .slice(0, top)
          .map((s) => `${s.name} ${pct(s.share)}`)
          .join(", ");
      const { perf, js, run } = breakdown;
      out.push({
        figure: "CPU breakdown (photo, 1 profiled run)",
        value: `${run.successes}/${run.count} in ${run.seconds.toFixed(1)} s under perf and --cpu-prof`,
      });
      if ("skipped" in perf) out.push({ figure: "  perf", value: `skipped: ${perf.skipped}` });
      else {
        out.push({ figure: "  by shared object (every thread)", value: shares(perf.objects, 6) });
        out.push({ figure: "  by thread", value: shares(perf.threads, 5) });
        out.push({ figure: "  top symbols", value: shares(perf.symbols, 5) });
      }
      if (js) {
        const perImage = (share: number) => `${((share * js.seconds * 1000) / Math.max(run.successes, 1)).toFixed(2)} ms`;
        out.push({ figure: "  main thread, ms per image", value: js.buckets.map((b) => `${b.name.split(" ")[0]} ${perImage(b.share)}`).join(", ") });
      }
    }
    return out;
  };

  // Only when a phase used the demo corpus (it is not even fetched otherwise).
  if (ceiling || embedded || small || distributed) {
    lines.push({
      figure: "corpus",
      value:
        `${corpus.rows} images, ${mb(corpus.bytes)}: ${pct(corpus.small)} ≤ 500 px, ${pct(corpus.medium)} 501–1599, ${pct(corpus.large)} ≥ 1600; ` +
        Object.entries(corpus.formats)
          .map(([format, share]) => `${format} ${pct(share)}`)
          .join(" "),
    });
  }
  if (ceiling) {
    const { best } = ceiling;
    lines.push({
      figure: "ceiling: sharp alone, best setting",
      value: `${rate(best.imagesPerSecond)}: concurrency ${best.concurrency} × ${best.jobs} jobs, UV_THREADPOOL_SIZE ${best.threadpool}`,
    });
    lines.push({ figure: "  images per CPU-second", value: perCpu(corpus.rows, best.cpuSeconds) });
    for (const run of ceiling.runs) {
      lines.push({
        figure: `  concurrency ${run.concurrency} × ${run.jobs} jobs`,
        value: `${run.passes.map((p) => p.imagesPerSecond.toFixed(1)).join(", ")} img/s; CPU ${(run.cpuSeconds / run.seconds).toFixed(2)} cores, ${others(run.otherCpuSeconds, run.seconds)}`,
      });
    }
  }
  if (embedded) lines.push(...embeddedLines(`embedded, ${embedded.best.perShard} per shard`, embedded, ceiling));
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
    lines.push(...fleetLines("distributed, 1 of each service", distributed, ceilingRate));
  }
  if (ingest) {
    const { laionDl, streamJson } = ingest;
    lines.push({
      figure: `ingest: @laion-dl/manifest, ${mb(ingest.manifest.bytes)}`,
      value: `${laionDl.mbPerSecond.toFixed(1)} MB/s (${Math.round(laionDl.rowsPerSecond / 1000)} k rows/s); ${others(laionDl.otherCpuSeconds, laionDl.seconds)}`,
      target: `≥ ${TARGETS.ingestMbPerSecond} MB/s`,
      met: laionDl.mbPerSecond >= TARGETS.ingestMbPerSecond,
    });
    lines.push({
      figure: "  peak RSS (VmHWM)",
      value: mb(laionDl.peakRss),
      target: `< ${mb(TARGETS.ingestPeakRss)}`,
      met: laionDl.peakRss < TARGETS.ingestPeakRss,
    });
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
  if (results.profiles) lines.push(...profileLines(results.profiles));
  const busiest = Math.max(0, ...busiestOthers);
  if (busiest > QUIET_CORES) {
    lines.push({ figure: "WARNING", value: `other processes used up to ${busiest.toFixed(2)} of ${cores} cores during timed runs: those figures are low` });
  }
  return lines;
}

/** Each run's rate over the ceiling at its time (the mean of the passes bracketing it), and their median against the target. */
function pairedLine(runs: readonly { imagesPerSecond: number }[], pairedCeiling: readonly number[], target?: number): Line | undefined {
  const paired = pairedRatios(runs, pairedCeiling);
  if (!paired) return undefined;
  const { ceilings, ratios, median, bracketed } = paired;
  const line = {
    figure: bracketed ? "  each run / the ceiling passes just before and after it (mean)" : "  each run / a ceiling pass just before it",
    value: `${runs.map((run, i) => `${run.imagesPerSecond.toFixed(0)}/${ceilings[i]!.toFixed(0)} = ${ratios[i]!.toFixed(2)}`).join(", ")}; median ${median.toFixed(2)}`,
  };
  return target === undefined ? line : { ...line, target: `≥ ${target.toFixed(2)}`, met: median >= target };
}

/** Each run's rate over the ceiling passes beside it, and their median. */
function pairedRatios(
  runs: readonly { imagesPerSecond: number }[],
  pairedCeiling: readonly number[],
): { ceilings: number[]; ratios: number[]; median: number; bracketed: boolean } | undefined {
  const bracketed = pairedCeiling.length === runs.length + 1;
  if ((!bracketed && pairedCeiling.length !== runs.length) || runs.length === 0) return undefined;
  // Older results have only the pass before each run.
  const ceilings = runs.map((_, i) => (bracketed ? (pairedCeiling[i]! + pairedCeiling[i + 1]!) / 2 : pairedCeiling[i]!));
  const ratios = runs.map((run, i) => run.imagesPerSecond / ceilings[i]!);
  const sorted = [...ratios].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  const median = sorted.length % 2 === 1 ? sorted[Math.floor(middle)]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return { ceilings, ratios, median, bracketed };
}
