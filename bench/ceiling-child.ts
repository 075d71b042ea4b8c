// sharp alone: the job's decode + resize + encode over in-memory buffers in a tight loop, with one
// setting of sharp.concurrency and parallel jobs (UV_THREADPOOL_SIZE is set by the parent before
// this process starts), BENCH_PASSES times. Prints one JSON line: CeilingRun (its best pass).
import sharp from "sharp";
import { transformImage } from "@laion-dl/transform";
import { corpusRows, imageRows, type CorpusKind } from "./corpus.ts";
import type { CeilingPass, CeilingRun } from "./ceiling.ts";
import { jobTransformOptions } from "./job.ts";
import { machineMeter } from "./proc.ts";

const WARMUP_IMAGES = 50;
const LOAD_CONCURRENCY = 8;

const env = (name: string) => Number(process.env[name]);
const concurrency = env("BENCH_CONCURRENCY");
const jobs = env("BENCH_JOBS");
const rows = imageRows(corpusRows(process.env.BENCH_CORPUS as CorpusKind, process.env.BENCH_BASE_URL!, env("BENCH_ROWS"), env("BENCH_SEED")));

const images: Buffer[] = new Array<Buffer>(rows.length);
await eachParallel(rows.length, LOAD_CONCURRENCY, async (i) => {
  const response = await fetch(rows[i]!.url);
  if (response.status !== 200) throw new Error(`Expected HTTP 200 for ${rows[i]!.url} but received ${response.status}`);
  images[i] = Buffer.from(await response.arrayBuffer());
});

sharp.cache(false); // as the pipeline runs it; every input is distinct anyway
sharp.concurrency(concurrency);
const options = jobTransformOptions(JSON.parse(process.env.BENCH_JOB_EXTRA ?? "{}") as Record<string, string>);
await eachParallel(Math.min(WARMUP_IMAGES, images.length), jobs, (i) => transformImage(images[i]!, options));

const passes: CeilingPass[] = [];
for (let pass = 0; pass < env("BENCH_PASSES"); pass++) {
  const cpuBefore = process.cpuUsage();
  const machine = machineMeter();
  const started = performance.now();
  await eachParallel(images.length, jobs, (i) => transformImage(images[i]!, options));
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  passes.push({ seconds, imagesPerSecond: images.length / seconds, cpuSeconds, otherCpuSeconds: Math.max(0, machine.read() - cpuSeconds) });
}

const best = passes.reduce((a, b) => (b.imagesPerSecond > a.imagesPerSecond ? b : a));
const run: CeilingRun = {
  concurrency,
  jobs,
  threadpool: Number(process.env.UV_THREADPOOL_SIZE),
  images: images.length,
  ...best,
  passes,
};
process.stdout.write(`${JSON.stringify(run)}\n`);

/** Runs task(0..count-1) with at most `width` in flight; the first failure rejects. */
async function eachParallel(count: number, width: number, task: (index: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(width, count) }, worker));
}
