// The embedded mode as a user runs it: `./bin/laion-dl download` in a process of its own, its memory
// and CPU sampled from /proc, its rate taken from the summary it prints and its _stats.json files.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { killOnExit } from "./children.ts";
import { cliFlags, jobOptions } from "./job.ts";
import { REPO_ROOT } from "./options.ts";
import { cpuMeter, machineMeter, startSampler } from "./proc.ts";
import { downloadCpu, type DownloadCpu } from "./threads.ts";

export interface EmbeddedRun {
  perShard: number;
  shards: number;
  count: number;
  successes: number;
  /** The download's own time, as its summary line prints it (from start to the last shard written). */
  seconds: number;
  imagesPerSecond: number;
  /** Manifest rows finished per second of download time (successes and failures alike). */
  rowsPerSecond: number;
  /**
   * Rows per second while the run is in full flow: from the progress line where 10 % of the rows were
   * done to the one where 90 % were. A 115M-row job is all middle; a 2 000-row run's start-up and its
   * last rows' timeouts would otherwise weigh as much as the rest. Undefined if too few lines came.
   */
  steadyRowsPerSecond?: number;
  /** The thread_count given, or undefined for laion-dl's default. */
  threadCount?: number;
  /** Spawn to exit: adds node + tsx start-up and shutdown. */
  processSeconds: number;
  peakRss: number;
  /** VmRSS at a quarter, half, three quarters and the end of the run: flat if memory does not grow with rows. */
  rssAt: [number, number, number, number];
  /** CPU seconds of the download process, and of the fixture server over the same time. */
  cpuSeconds: number;
  fixtureCpuSeconds: number;
  /** CPU seconds every other process on the machine used meanwhile (a quiet machine: near 0). */
  otherCpuSeconds: number;
  /** CPU over the download's own time: cores busy and the busiest threads. */
  download?: DownloadCpu;
  summary: string[];
}

export async function runEmbedded(options: {
  manifest: string;
  output: string;
  perShard: number;
  /** undefined: laion-dl's default thread_count. */
  threadCount?: number;
  inputFormat?: "json" | "tsv";
  fixturePid: number;
  /** Runs under node --cpu-prof, writing the profile here. */
  cpuProfDir?: string;
  /** Called with the download process's pid as soon as it is spawned (e.g. to attach perf). */
  onSpawn?: (pid: number) => void;
  extraEnv: Readonly<Record<string, string>>;
  jobExtra: Readonly<Record<string, string>>;
  log: (line: string) => void;
}): Promise<EmbeddedRun> {
  await rm(options.output, { recursive: true, force: true });
  const flags = cliFlags(jobOptions(options));
  // bin/laion-dl passes LAION_DL_NODE_FLAGS to node (which refuses --cpu-prof in NODE_OPTIONS).
  // Progress lines twice a second give the steady-state rate (CLI display only: no byte changes).
  flags.push("--progress_interval", String(PROGRESS_INTERVAL_SECONDS));
  const profiling = options.cpuProfDir ? { LAION_DL_NODE_FLAGS: `--cpu-prof --cpu-prof-dir=${options.cpuProfDir}` } : {};
  const fixtureCpu = cpuMeter(options.fixturePid);
  const machine = machineMeter();
  const started = performance.now();
  const child = spawn(join(REPO_ROOT, "bin", "laion-dl"), ["download", ...flags], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...options.extraEnv, ...profiling },
    stdio: ["ignore", "pipe", "pipe"],
  });
  killOnExit(child);
  options.onSpawn?.(child.pid!);
  // bin/laion-dl execs node, so the pid is the download process itself.
  const sampler = startSampler({ download: child.pid! }, 100, ["download"]);
  const stdout: string[] = [];
  const progress: RowsAt[] = [];
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    stdout.push(chunk);
    for (const match of chunk.matchAll(/^progress - rows: (\d+)\/(\d+)/gm))
      progress.push({ seconds: performance.now() / 1000, rows: Number(match[1]), total: Number(match[2]) });
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr = (stderr + chunk).slice(-8192)));
  const [code] = (await once(child, "exit")) as [number | null];
  const processSeconds = (performance.now() - started) / 1000;
  const figures = sampler.stop().download;
  const fixtureCpuSeconds = fixtureCpu.read();
  const machineCpuSeconds = machine.read();
  if (code !== 0 || !figures) throw new Error(`laion-dl download exited with ${code}:\n${stderr}`);

  const lines = stdout.join("").split("\n").filter(Boolean);
  const summary = lines.filter((line) => line.startsWith("total") || line.startsWith("shards written"));
  const time = /time: ([\d.]+) s/.exec(summary.join("\n"));
  if (!time) throw new Error(`no summary line in laion-dl's output:\n${lines.slice(-5).join("\n")}`);
  for (const line of summary) options.log(`    ${line}`);
  const stats = await shardStats(options.output);
  const seconds = Number(time[1]);
  const successes = stats.reduce((sum, s) => sum + s.successes, 0);
  const count = stats.reduce((sum, s) => sum + s.count, 0);
  const steadyRowsPerSecond = steadyRate(progress, count);
  return {
    perShard: options.perShard,
    shards: stats.length,
    count,
    successes,
    seconds,
    imagesPerSecond: successes / seconds,
    rowsPerSecond: count / seconds,
    ...(steadyRowsPerSecond === undefined ? {} : { steadyRowsPerSecond }),
    ...(options.threadCount === undefined ? {} : { threadCount: options.threadCount }),
    processSeconds,
    peakRss: figures.peakRss,
    rssAt: quarters(figures.timeline),
    cpuSeconds: figures.cpuSeconds,
    fixtureCpuSeconds,
    otherCpuSeconds: Math.max(0, machineCpuSeconds - figures.cpuSeconds - fixtureCpuSeconds),
    download: downloadCpu(figures, child.pid!, seconds),
    summary,
  };
}

export async function shardStats(folder: string): Promise<{ count: number; successes: number }[]> {
  const names = (await readdir(folder)).filter((name) => name.endsWith("_stats.json"));
  return Promise.all(names.map(async (name) => JSON.parse(await readFile(join(folder, name), "utf8")) as { count: number; successes: number }));
}

const PROGRESS_INTERVAL_SECONDS = 0.5;

interface RowsAt {
  seconds: number;
  rows: number;
  total: number;
}

/** Rows per second between the first progress lines at or past 10 % and 90 % of `count` rows. */
export function steadyRate(progress: readonly RowsAt[], count: number): number | undefined {
  const first = (share: number) => progress.find((line) => line.rows >= share * count);
  const from = first(0.1);
  const to = first(0.9);
  if (!from || !to || to.seconds - from.seconds < 2 * PROGRESS_INTERVAL_SECONDS) return undefined;
  return (to.rows - from.rows) / (to.seconds - from.seconds);
}

function quarters(timeline: [number, number][]): [number, number, number, number] {
  const at = (share: number) => timeline[Math.min(timeline.length - 1, Math.floor(share * (timeline.length - 1)))]?.[1] ?? 0;
  return [at(0.25), at(0.5), at(0.75), at(1)];
}
