// The ceiling: sharp alone on the corpus, each setting in a fresh process, the best one kept.
import { join } from "node:path";
import { runJsonChild } from "./children.ts";
import { corpusEnv, type CorpusSettings } from "./corpus.ts";
import { BENCH_DIR, REPO_ROOT, type CeilingConfig } from "./options.ts";

export interface CeilingPass {
  seconds: number;
  imagesPerSecond: number;
  /** CPU seconds of the sharp process over the pass. */
  cpuSeconds: number;
  /** CPU seconds every other process on the machine used meanwhile (a quiet machine: near 0). */
  otherCpuSeconds: number;
}

/** One setting: its best pass, and every pass. */
export interface CeilingRun extends CeilingPass {
  concurrency: number;
  jobs: number;
  threadpool: number;
  images: number;
  passes: CeilingPass[];
}

export interface CeilingResult {
  best: CeilingRun;
  runs: CeilingRun[];
}

const LIBUV_DEFAULT_THREADPOOL = 4;

export async function runCeiling(
  corpus: CorpusSettings,
  configs: readonly CeilingConfig[],
  passes: number,
  log: (line: string) => void,
  beforeEach: () => Promise<void>,
): Promise<CeilingResult> {
  const runs: CeilingRun[] = [];
  for (const config of configs) {
    await beforeEach();
    // Each job holds a libuv thread for the whole image: the pool must have one per job.
    const threadpool = Math.max(LIBUV_DEFAULT_THREADPOOL, config.jobs);
    // Through the launchers' allocator choice, so that a run with another malloc is compared with sharp under it.
    const run = await runJsonChild<CeilingRun>(
      join(BENCH_DIR, "ceiling-child.ts"),
      [],
      {
        ...process.env,
        ...corpusEnv(corpus),
        UV_THREADPOOL_SIZE: String(threadpool),
        BENCH_CONCURRENCY: String(config.concurrency),
        BENCH_JOBS: String(config.jobs),
        BENCH_PASSES: String(passes),
      },
      join(REPO_ROOT, "bin", "with-allocator"),
    );
    const each = run.passes.map(
      (pass) =>
        `${pass.imagesPerSecond.toFixed(1)} img/s (CPU ${(pass.cpuSeconds / pass.seconds).toFixed(2)} cores, others ${(pass.otherCpuSeconds / pass.seconds).toFixed(2)})`,
    );
    log(`  sharp.concurrency ${run.concurrency} × ${run.jobs} jobs, UV_THREADPOOL_SIZE ${run.threadpool}: ${each.join(", ")}`);
    runs.push(run);
  }
  const best = runs.reduce((a, b) => (b.imagesPerSecond > a.imagesPerSecond ? b : a));
  return { best, runs };
}
