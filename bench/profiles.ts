// Issue #11's profiles, run after the demo corpus's phases on the same fixture server:
// - photo: a photo-like TSV manifest (JPEG q90 300 px to 1080p, some PNG, 10 % 404s, 1 % slow
//   answers), 1 000-row shards, sharp alone on its images as the ceiling, embedded runs with the
//   default thread_count and with --thread-count, the leanest pipeline, and the fleet;
// - wan: the same manifest with each URL given a WAN fate (lognormal time to first byte, hangs,
//   drips, refused connections), against the same corpus served instantly.
import { join } from "node:path";
import { writeManifest } from "@laion-dl/manifest";
import { closedLoopbackUrl, WAN_PROFILE, wanFate, wanRows, type DemoRow, type WanFate } from "@laion-dl/testing";
import { runCpuBreakdown, type CpuBreakdown } from "./breakdown.ts";
import type { CeilingResult } from "./ceiling.ts";
import { runCeiling } from "./ceiling.ts";
import { corpusMix, corpusRows, imageRows, plainImageUrl, type CorpusMix, type CorpusSettings } from "./corpus.ts";
import type { PairedDistributedResult } from "./distributed.ts";
import type { EmbeddedRun } from "./embedded.ts";
import type { FixtureProcess } from "./fixture.ts";
import { runLeanest, type LeanestRun } from "./leanest.ts";
import type { BenchOptions } from "./options.ts";
import { WORK_DIR } from "./options.ts";
import { mb, pct } from "./report.ts";

export const PHOTO_PER_SHARD = 1000;

/** Runs of one embedded setting, bracketed by ceiling passes (pairedCeiling: one before each run, one after the last). */
export interface EmbeddedSeries {
  /** undefined: laion-dl's default thread_count. */
  threadCount?: number;
  best: EmbeddedRun;
  runs: EmbeddedRun[];
  pairedCeiling: number[];
}

/** Runs of the leanest pipeline (leanest.ts), bracketed by ceiling passes as the embedded runs are. */
export interface LeanestSeries {
  best: LeanestRun;
  runs: LeanestRun[];
  pairedCeiling: number[];
}

export interface PhotoProfileResult {
  corpus: CorpusMix & { warmSeconds: number };
  ceiling?: CeilingResult;
  embedded: EmbeddedSeries[];
  leanest?: LeanestSeries;
  fleet?: PairedDistributedResult;
}

export interface WanProfileResult {
  profile: typeof WAN_PROFILE;
  seed: number;
  /** Rows per fate. */
  fates: Record<WanFate["kind"], number>;
  /** The same manifest served instantly, default thread_count (the photo profile's best run). */
  instant: EmbeddedRun;
  best: EmbeddedRun;
  runs: EmbeddedRun[];
  /** WAN rows per second over instant rows per second (the same rows, best runs, whole runs). */
  ratio: number;
  /**
   * The same in full flow (EmbeddedRun.steadyRowsPerSecond): what a long job sees, without the
   * last hung rows' timeout that a 2 000-row run waits for at its end. The target is judged on it.
   */
  steadyRatio?: number;
}

export interface ProfileResults {
  photo?: PhotoProfileResult;
  wan?: WanProfileResult;
  /** --cpu-breakdown: one more run of the photo profile under perf and --cpu-prof. */
  breakdown?: CpuBreakdown;
}

export interface EmbeddedJob {
  manifest: string;
  inputFormat: "json" | "tsv";
  perShard: number;
  threadCount?: number;
}

export interface ProfileContext {
  options: BenchOptions;
  fixture: FixtureProcess;
  log: (line: string) => void;
  quiet: () => Promise<void>;
  /** One timed embedded run (waits for a quiet machine first). */
  embeddedRun: (job: EmbeddedJob, label: string, extras?: { cpuProfDir?: string; onSpawn?: (pid: number) => void }) => Promise<EmbeddedRun>;
  /** The fleet's timed runs of a job (with --thread-count), each after `pairedPass`. */
  fleetRun: (job: EmbeddedJob, pairedPass: (paired: number[]) => Promise<void>) => Promise<PairedDistributedResult>;
  /** A ceiling pass of `ceiling`'s best setting on the photo corpus, appended to `paired`. */
  pairedCeilingPass: (ceiling: CeilingResult | undefined, paired: number[]) => Promise<void>;
}

export async function runProfiles(context: ProfileContext): Promise<ProfileResults> {
  const { options, fixture, log, quiet } = context;
  const results: ProfileResults = {};
  const wanted = (["photo", "photo-fleet", "wan"] as const).filter((phase) => !options.skip.has(phase));
  if (wanted.length === 0 && !options.cpuBreakdown) return results;

  const rows = corpusRows("photo", fixture.baseUrl, options.photoRows, options.seed);
  const manifest = join(WORK_DIR, "photo.tsv");
  await writeManifest(
    manifest,
    rows.map(({ url, caption }) => ({ url, caption })),
    "tsv",
  );
  const mix = corpusMix(rows);
  log(`photo profile: ${rows.length} rows (${manifest}); rendering or reading ${imageRows(rows).length} images…`);
  const warmed = await fixture.warm(imageRows(rows).map((row) => plainImageUrl(fixture.baseUrl, row.url)));
  mix.bytes = warmed.bytes;
  const images = imageRows(rows).length;
  log(
    `  ${images} images, ${mb(mix.bytes)} (${Math.round(mix.bytes / images / 1000)} KB each) in ${warmed.seconds.toFixed(0)} s; ` +
      `${Object.entries(mix.formats)
        .map(([f, s]) => `${f} ${pct(s)}`)
        .join(", ")}; 404 ${pct(mix.failures?.notFound ?? 0)}, slow ${pct(mix.failures?.slow ?? 0)}`,
  );
  const photo: PhotoProfileResult = { corpus: { ...mix, warmSeconds: warmed.seconds }, embedded: [] };
  results.photo = photo;
  const corpus: CorpusSettings = {
    kind: "photo",
    baseUrl: fixture.baseUrl,
    rows: options.photoRows,
    seed: options.seed,
    jobExtra: options.jobExtra,
    extraEnv: options.extraEnv,
  };
  const job = (threadCount?: number): EmbeddedJob => ({ manifest, inputFormat: "tsv", perShard: PHOTO_PER_SHARD, threadCount });

  if (!options.skip.has("photo")) {
    log(`photo profile, ceiling: sharp alone on its ${images} images, ${options.repeat} pass(es) per setting`);
    photo.ceiling = await runCeiling(corpus, options.ceilingConfigs, options.repeat, log, quiet);
    for (const threadCount of [undefined, options.threadCount]) {
      const label = threadCount === undefined ? "default thread_count" : `thread_count ${threadCount}`;
      log(`photo profile, embedded: ${PHOTO_PER_SHARD} per shard, ${label}, ${options.repeat} run(s)`);
      const runs: EmbeddedRun[] = [];
      const paired: number[] = [];
      for (let i = 1; i <= options.repeat; i++) {
        await context.pairedCeilingPass(photo.ceiling, paired);
        runs.push(await context.embeddedRun(job(threadCount), `run ${i}`));
      }
      await context.pairedCeilingPass(photo.ceiling, paired);
      photo.embedded.push({ ...(threadCount === undefined ? {} : { threadCount }), best: best(runs), runs, pairedCeiling: paired });
    }
    log(`photo profile, leanest pipeline: undici + sha256 + transform, nothing written, ${options.threadCount} downloads, ${options.repeat} run(s)`);
    const runs: LeanestRun[] = [];
    const paired: number[] = [];
    for (let i = 1; i <= options.repeat; i++) {
      await context.pairedCeilingPass(photo.ceiling, paired);
      await quiet();
      const run = await runLeanest(corpus, options.threadCount);
      log(
        `  run ${i}: ${run.successes}/${run.rows} in ${run.seconds.toFixed(1)} s = ${run.imagesPerSecond.toFixed(1)} img/s (CPU ${(run.cpuSeconds / run.seconds).toFixed(2)} cores)`,
      );
      runs.push(run);
    }
    await context.pairedCeilingPass(photo.ceiling, paired);
    photo.leanest = { best: runs.reduce((a, b) => (b.imagesPerSecond > a.imagesPerSecond ? b : a)), runs, pairedCeiling: paired };
  }

  if (options.cpuBreakdown) {
    log("photo profile, CPU breakdown: one more embedded run, default thread_count, under perf record and node --cpu-prof");
    const breakdown = await runCpuBreakdown((extras) => context.embeddedRun(job(), "profiled run", extras), log);
    results.breakdown = breakdown;
    logBreakdown(breakdown, log);
  }

  if (!options.skip.has("wan")) {
    const seed = options.seed;
    const wan = wanRows(rows, { seed, refusedBaseUrl: await closedLoopbackUrl() });
    const wanManifest = join(WORK_DIR, "photo-wan.tsv");
    await writeManifest(
      wanManifest,
      wan.map(({ url, caption }) => ({ url, caption })),
      "tsv",
    );
    const fates = countFates(rows, seed);
    log(
      `WAN profile: ${Object.entries(fates)
        .map(([kind, n]) => `${kind} ${n}`)
        .join(", ")} rows (${wanManifest}); default thread_count and timeout`,
    );
    let instant = photo.embedded.find((series) => series.threadCount === undefined)?.best;
    if (!instant) {
      log("  the same manifest served instantly, for comparison:");
      instant = await context.embeddedRun(job(), "instant");
    }
    const runs: EmbeddedRun[] = [];
    for (let i = 1; i <= options.repeat; i++) runs.push(await context.embeddedRun({ ...job(), manifest: wanManifest }, `WAN run ${i}`));
    const wanBest = runs.reduce((a, b) => (b.rowsPerSecond > a.rowsPerSecond ? b : a));
    const steadyWan = Math.max(...runs.map((run) => run.steadyRowsPerSecond ?? 0));
    const steadyRatio = steadyWan > 0 && instant.steadyRowsPerSecond ? steadyWan / instant.steadyRowsPerSecond : undefined;
    results.wan = {
      profile: WAN_PROFILE,
      seed,
      fates,
      instant,
      best: wanBest,
      runs,
      ratio: wanBest.rowsPerSecond / instant.rowsPerSecond,
      ...(steadyRatio === undefined ? {} : { steadyRatio }),
    };
    log(
      `  WAN ${wanBest.rowsPerSecond.toFixed(1)} rows/s vs instant ${instant.rowsPerSecond.toFixed(1)} rows/s = ${results.wan.ratio.toFixed(2)}× whole runs` +
        (steadyRatio === undefined ? "" : `, ${steadyRatio.toFixed(2)}× in full flow`),
    );
  }

  if (!options.skip.has("photo-fleet")) {
    log(`photo profile, distributed: nats-server + the four services, thread_count ${options.threadCount}, ${options.repeat} run(s)`);
    photo.fleet = await context.fleetRun(job(options.threadCount), (paired) => context.pairedCeilingPass(photo.ceiling, paired));
  }
  return results;
}

function logBreakdown({ run, perf, js }: CpuBreakdown, log: (line: string) => void): void {
  const list = (shares: readonly { name: string; share: number }[]) => shares.map((s) => `    ${pct(s.share).padStart(6)}  ${s.name}`);
  if ("skipped" in perf) log(`  perf skipped: ${perf.skipped}`);
  else {
    log(`  perf (${perf.file}), every thread of the download process, by shared object:`);
    list(perf.objects.slice(0, 8)).forEach((line) => log(line));
    log("  by thread:");
    list(perf.threads.slice(0, 8)).forEach((line) => log(line));
    log("  top symbols:");
    list(perf.symbols).forEach((line) => log(line));
  }
  if (js) {
    log(`  main thread (${js.file}), ${js.seconds.toFixed(1)} s profiled, by bucket (ms per image over ${run.successes} images):`);
    for (const bucket of js.buckets)
      log(
        `    ${pct(bucket.share).padStart(6)}  ${((bucket.share * js.seconds * 1000) / Math.max(run.successes, 1)).toFixed(2).padStart(6)} ms  ${bucket.name}`,
      );
  }
}

function best(runs: readonly EmbeddedRun[]): EmbeddedRun {
  return runs.reduce((a, b) => (b.imagesPerSecond > a.imagesPerSecond ? b : a));
}

function countFates(rows: readonly DemoRow[], seed: number): Record<WanFate["kind"], number> {
  const fates: Record<WanFate["kind"], number> = { answer: 0, drip: 0, hang: 0, refused: 0 };
  for (const row of rows) {
    const url = new URL(row.url);
    fates[wanFate(seed, `${url.pathname}${url.search}`).kind]++;
  }
  return fates;
}
