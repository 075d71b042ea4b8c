// The leanest pipeline (leanest-child.ts) in a fresh process per run, with the process settings
// bin/laion-dl gives the download (malloc arenas, libuv pool, through bin/with-allocator), so that
// laion-dl's runs over it compare the pipelines, not the settings.
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { runJsonChild } from "./children.ts";
import type { CorpusKind } from "./corpus.ts";
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

export async function runLeanest(corpus: {
  kind: CorpusKind;
  baseUrl: string;
  rows: number;
  seed: number;
  jobExtra: Readonly<Record<string, string>>;
  extraEnv: Readonly<Record<string, string>>;
  downloads: number;
}): Promise<LeanestRun> {
  // laion-dl's defaults for processes_count, MALLOC_ARENA_MAX and UV_THREADPOOL_SIZE (bin/laion-dl).
  const cores = availableParallelism();
  return runJsonChild<LeanestRun>(
    join(BENCH_DIR, "leanest-child.ts"),
    [],
    {
      MALLOC_ARENA_MAX: String(cores),
      UV_THREADPOOL_SIZE: String(cores * 2 + 4),
      ...process.env,
      ...corpus.extraEnv,
      BENCH_CORPUS: corpus.kind,
      BENCH_BASE_URL: corpus.baseUrl,
      BENCH_ROWS: String(corpus.rows),
      BENCH_SEED: String(corpus.seed),
      BENCH_DOWNLOADS: String(corpus.downloads),
      BENCH_JOBS: String(cores * 2),
      BENCH_JOB_EXTRA: JSON.stringify(corpus.jobExtra),
    },
    join(REPO_ROOT, "bin", "with-allocator"),
  );
}
