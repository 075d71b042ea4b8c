// The leanest pipeline (leanest-child.ts) in a fresh process per run, with the process settings
// bin/laion-dl gives the download (malloc arenas, libuv pool, through bin/with-allocator), so that
// laion-dl's runs over it compare the pipelines, not the settings.
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { runJsonChild } from "./children.ts";
import { corpusEnv, type CorpusSettings } from "./corpus.ts";
import { BENCH_DIR, REPO_ROOT } from "./options.ts";

export interface LeanestRun {
  rows: number;
  successes: number;
  /** Downloads in flight (the job's thread_count) and images transformed at once (its processes_count). */
  downloads: number;
  jobs: number;
  seconds: number;
  imagesPerSecond: number;
  cpuSeconds: number;
  otherCpuSeconds: number;
}

export async function runLeanest(corpus: CorpusSettings, downloads: number): Promise<LeanestRun> {
  // laion-dl's defaults for processes_count, MALLOC_ARENA_MAX and UV_THREADPOOL_SIZE (bin/laion-dl).
  const cores = availableParallelism();
  return runJsonChild<LeanestRun>(
    join(BENCH_DIR, "leanest-child.ts"),
    [],
    {
      MALLOC_ARENA_MAX: String(cores),
      UV_THREADPOOL_SIZE: String(cores * 2 + 4),
      ...process.env,
      ...corpusEnv(corpus),
      BENCH_DOWNLOADS: String(downloads),
      BENCH_JOBS: String(cores * 2),
    },
    join(REPO_ROOT, "bin", "with-allocator"),
  );
}
