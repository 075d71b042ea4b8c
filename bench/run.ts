// `pnpm bench`: every figure of the benchmark in one run (see bench/README.md), printed as a table
// and written to bench/results.json. Flags: bench/options.ts (or --help).
import { mkdir, rm, writeFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { writeManifest } from "@laion-dl/manifest";
import { runCeiling, type CeilingResult } from "./ceiling.ts";
import { corpusMix, corpusRows, type CorpusKind, type CorpusSettings } from "./corpus.ts";
import { runDistributed, type PairedDistributedResult } from "./distributed.ts";
import { runEmbedded, type EmbeddedRun } from "./embedded.ts";
import { startFixtureProcess } from "./fixture.ts";
import { ensureIngestManifest, type GeneratedManifest } from "./ingest-manifest.ts";
import { runIngestReader } from "./ingest.ts";
import { describeMachine } from "./machine.ts";
import { readOptions, WORK_DIR } from "./options.ts";
import { summariseProfile } from "./profile.ts";
import { runProfiles, type EmbeddedJob } from "./profiles.ts";
import { waitForQuiet } from "./quiet.ts";
import { formatTable, mb, pct } from "./report.ts";
import { summaryLines, type BenchResults } from "./summary.ts";

/** The fixture server's memory cache holds both corpora (about 0.4 and 0.3 MB an image) with room to spare. */
const fixtureCacheBytes = (rows: number, photoRows: number) => Math.max(1.5 * 2 ** 30, rows * 750_000 + photoRows * 500_000);
/** Rendered images are kept here between runs (rendering 2 000 images takes minutes). */
const IMAGE_CACHE_DIR = join(WORK_DIR, "images");
const BIG_SHARDS = 10_000;

const options = readOptions(process.argv.slice(2));
const machine = describeMachine();
const cores = availableParallelism();
const runStarted = performance.now();
const log = (line: string) => console.log(`[${((performance.now() - runStarted) / 1000).toFixed(0).padStart(4)} s] ${line}`);
await mkdir(WORK_DIR, { recursive: true });
log(`${machine.cpu}, ${machine.cores} cores, ${machine.memoryGb} GB; node ${machine.node}, sharp ${machine.sharp}, libvips ${machine.libvips}`);
if (Object.keys(options.extraEnv).length > 0) log(`extra environment for laion-dl and the services: ${JSON.stringify(options.extraEnv)}`);
if (Object.keys(options.jobExtra).length > 0) log(`extra download options: ${JSON.stringify(options.jobExtra)}`);

// 1. The corpus, served by the fixture server in its own process, every image rendered before timing.
const fixture = await startFixtureProcess(fixtureCacheBytes(options.rows, options.photoRows), IMAGE_CACHE_DIR);
const demoPhases = (["ceiling", "embedded", "small-shards", "distributed"] as const).some((phase) => !options.skip.has(phase)) || options.cpuProf;
const rows = corpusRows("demo", fixture.baseUrl, options.rows, options.seed);
const mix = corpusMix(rows);
const manifest = join(WORK_DIR, "corpus.json");
await writeManifest(
  manifest,
  rows.map(({ caption, url }) => ({ caption, url })),
  "json",
);
log(`fixture server (pid ${fixture.pid}) at ${fixture.baseUrl}; ${demoPhases ? `rendering or reading ${rows.length} images…` : "no phase of the demo corpus"}`);
// The ingest manifest is written meanwhile: nothing is timed until both are done.
const generating: Promise<GeneratedManifest | undefined> = options.skip.has("ingest")
  ? Promise.resolve(undefined)
  : ensureIngestManifest(join(WORK_DIR, `seed-${options.ingestGb}gb.json`), Math.round(options.ingestGb * 1e9));
const warmed = demoPhases ? await fixture.warm(rows.map((row) => row.url)) : { bytes: 0, seconds: 0 };
mix.bytes = warmed.bytes;
if (demoPhases) {
  log(
    `corpus: ${mix.rows} images, ${mb(mix.bytes)} rendered or read in ${warmed.seconds.toFixed(0)} s; long side ≤ 500 px ${pct(mix.small)}, ` +
      `501–1599 px ${pct(mix.medium)}, ≥ 1600 px ${pct(mix.large)}; ${Object.entries(mix.formats)
        .map(([f, s]) => `${f} ${pct(s)}`)
        .join(", ")}; alpha ${pct(mix.alpha)}`,
  );
}
const generated = await generating;
if (generated)
  log(
    `ingest manifest: ${mb(generated.bytes)}, ${generated.rows} rows ${generated.seconds ? `generated in ${generated.seconds.toFixed(0)} s` : "(kept from an earlier run)"}`,
  );

const results: BenchResults = {
  machine,
  options: { ...options, skip: [...options.skip] },
  corpus: { ...mix, warmSeconds: warmed.seconds },
  totalSeconds: 0,
};

const corpusSettings = (kind: CorpusKind): CorpusSettings => ({
  kind,
  baseUrl: fixture.baseUrl,
  rows: kind === "demo" ? options.rows : options.photoRows,
  seed: options.seed,
  jobExtra: options.jobExtra,
  extraEnv: options.extraEnv,
});

/** Before each timed run: at least a second's pause, and a quiet machine if it comes soon enough. */
const quiet = () => waitForQuiet(options.quietWait, log);

// 2. The ceiling: sharp alone over in-memory buffers.
if (!options.skip.has("ceiling")) {
  log(`ceiling: sharp alone on in-memory buffers, ${options.repeat} pass(es) per setting`);
  results.ceiling = await runCeiling(corpusSettings("demo"), options.ceilingConfigs, options.repeat, log, quiet);
}

// 3 and 6. Embedded: ./bin/laion-dl download, as a user runs it.
const demoJob = (perShard: number): EmbeddedJob => ({ manifest, inputFormat: "json", perShard, threadCount: options.threadCount });
const embeddedRun = async (job: EmbeddedJob, label: string, extras: { cpuProfDir?: string; onSpawn?: (pid: number) => void } = {}): Promise<EmbeddedRun> => {
  await quiet();
  const output = join(WORK_DIR, "embedded");
  const run = await runEmbedded({ ...job, ...extras, output, fixturePid: fixture.pid, extraEnv: options.extraEnv, jobExtra: options.jobExtra, log });
  await rm(output, { recursive: true, force: true });
  const busiest = run.download?.threads[0];
  const during = run.download
    ? `; during the download ${run.download.coresBusy.toFixed(2)} cores${busiest && run.successes > 0 ? `, busiest thread ${busiest.name} ${((busiest.cpuSeconds / run.successes) * 1000).toFixed(2)} ms/img` : ""}`
    : "";
  log(
    `  ${label}: ${run.imagesPerSecond.toFixed(1)} img/s (${run.successes}/${run.count} in ${run.seconds.toFixed(1)} s), peak RSS ${mb(run.peakRss)}, ` +
      `CPU ${(run.cpuSeconds / run.processSeconds).toFixed(2)} cores${during}, other processes ${(run.otherCpuSeconds / run.processSeconds).toFixed(2)} cores`,
  );
  return run;
};
// This machine's speed drifts by 10-20 % over minutes: ceiling passes of the best setting bracket
// each embedded and distributed run (one before each, one after the last), and each run's ratio is
// to the mean of the passes just before and after it.
const pairedCeilingPass = async (ceiling: CeilingResult | undefined, kind: CorpusKind, paired: number[]): Promise<void> => {
  const best = ceiling?.best;
  if (!best) return quiet();
  const beside = await runCeiling(corpusSettings(kind), [{ concurrency: best.concurrency, jobs: best.jobs }], 1, log, quiet);
  paired.push(beside.best.imagesPerSecond);
};
if (!options.skip.has("embedded")) {
  log(`embedded: ./bin/laion-dl download, ${BIG_SHARDS} per shard, ${options.repeat} run(s)`);
  const runs: EmbeddedRun[] = [];
  const paired: number[] = [];
  for (let i = 1; i <= options.repeat; i++) {
    await pairedCeilingPass(results.ceiling, "demo", paired);
    runs.push(await embeddedRun(demoJob(BIG_SHARDS), `run ${i}`));
  }
  await pairedCeilingPass(results.ceiling, "demo", paired);
  results.embedded = { best: runs.reduce((a, b) => (b.imagesPerSecond > a.imagesPerSecond ? b : a)), runs, pairedCeiling: paired };
}
if (!options.skip.has("small-shards")) {
  log(`embedded: ${options.smallShards} per shard`);
  results.embeddedSmallShards = await embeddedRun(demoJob(options.smallShards), `${options.smallShards} per shard`);
}
if (options.cpuProf) {
  const dir = join(WORK_DIR, "prof");
  await rm(dir, { recursive: true, force: true });
  log(`embedded under node --cpu-prof (${dir})`);
  await embeddedRun(demoJob(BIG_SHARDS), "profiled run", { cpuProfDir: dir });
  results.profile = await summariseProfile(dir);
  if (results.profile) {
    log(`  main thread of the download process, self time by package:`);
    for (const p of results.profile.packages.slice(0, 12)) log(`    ${pct(p.share).padStart(6)}  ${p.name}`);
    log("  busiest functions (self time):");
    for (const f of results.profile.functions) log(`    ${pct(f.share).padStart(6)}  ${f.name}  ${f.where}`);
    log("  by bucket (see bench/README.md, CPU breakdown):");
    for (const bucket of results.profile.buckets) log(`    ${pct(bucket.share).padStart(6)}  ${bucket.name}`);
  }
}

// 4 and 6. Distributed: nats-server + the four services on this machine, each run paired.
const fleetRun = async (job: EmbeddedJob, pairedPass: (paired: number[]) => Promise<void>): Promise<PairedDistributedResult> => {
  const paired: number[] = [];
  const distributed = await runDistributed({
    manifest: job.manifest,
    inputFormat: job.inputFormat,
    workDir: WORK_DIR,
    perShard: job.perShard,
    threadCount: job.threadCount ?? options.threadCount,
    repeat: options.repeat,
    fixturePid: fixture.pid,
    extraEnv: options.extraEnv,
    jobExtra: options.jobExtra,
    log,
    beforeEach: () => pairedPass(paired),
    afterLast: () => pairedPass(paired),
  });
  if ("skipped" in distributed) log(`  skipped: ${distributed.skipped}`);
  return "skipped" in distributed ? distributed : { ...distributed, pairedCeiling: paired };
};
if (!options.skip.has("distributed")) {
  log(`distributed: nats-server + ingest + fetcher + transformer + assembler, job via SubmitJob, ${options.repeat} run(s)`);
  results.distributed = await fleetRun(demoJob(BIG_SHARDS), (paired) => pairedCeilingPass(results.ceiling, "demo", paired));
}

// 8. Issue #11's photo-like and WAN profiles.
const profiles = await runProfiles({
  options,
  fixture,
  log,
  quiet,
  embeddedRun,
  fleetRun,
  pairedCeilingPass: (ceiling, paired) => pairedCeilingPass(ceiling, "photo", paired),
});
if (Object.keys(profiles).length > 0) results.profiles = profiles;
await fixture.close();

// 5. Ingest: the project's reader against stream-json on the same file.
if (generated) {
  log(`ingest: ${mb(generated.bytes)} seed-format JSON through @laion-dl/manifest, then stream-json`);
  await quiet();
  const laionDl = await runIngestReader("laion-dl", generated.path);
  log(`  @laion-dl/manifest: ${laionDl.mbPerSecond.toFixed(1)} MB/s, ${laionDl.rows} rows in ${laionDl.seconds.toFixed(1)} s, peak RSS ${mb(laionDl.peakRss)}`);
  await quiet();
  const streamJson = await runIngestReader("stream-json", generated.path);
  log(
    `  stream-json:        ${streamJson.mbPerSecond.toFixed(1)} MB/s, ${streamJson.rows} rows in ${streamJson.seconds.toFixed(1)} s, peak RSS ${mb(streamJson.peakRss)}`,
  );
  if (laionDl.rows !== streamJson.rows || laionDl.urlChars !== streamJson.urlChars) {
    throw new Error(`the readers disagree: ${laionDl.rows} vs ${streamJson.rows} rows, ${laionDl.urlChars} vs ${streamJson.urlChars} URL characters`);
  }
  results.ingest = { manifest: { bytes: generated.bytes, rows: generated.rows }, laionDl, streamJson, speedup: laionDl.mbPerSecond / streamJson.mbPerSecond };
}

// 7. The table and results.json.
results.totalSeconds = (performance.now() - runStarted) / 1000;
const lines = summaryLines(results, cores);
await writeFile(options.out, `${JSON.stringify({ ...results, table: lines }, null, 2)}\n`);
console.log(`\n${formatTable(lines)}\n\nwhole run ${results.totalSeconds.toFixed(0)} s; figures in ${options.out}`);
