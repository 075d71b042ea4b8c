// CPU over the download's own time (not the process's start-up), read from the 100 ms samples of
// the download process: how many cores it kept busy, and which of its threads was busiest. One
// thread at c seconds per image caps a process at 1/c images per second whatever the core count.
import type { ProcessFigures } from "./proc.ts";

export interface ThreadCpu {
  tid: number;
  /** /proc/<pid>/task/<tid>/comm; the main thread is the one whose tid is the pid. */
  name: string;
  main: boolean;
  cpuSeconds: number;
}

export interface DownloadCpu {
  /** The window measured: the last `seconds` before the process's last sample. */
  seconds: number;
  /** Process CPU seconds over that window, and CPU seconds per wall second (cores busy). */
  cpuSeconds: number;
  coresBusy: number;
  /** The busiest threads over the window, busiest first (at most 5). */
  threads: ThreadCpu[];
}

const SHOWN_THREADS = 5;

/** The download process's CPU over its last `downloadSeconds` (the CLI's own download time). */
export function downloadCpu(figures: ProcessFigures, pid: number, downloadSeconds: number): DownloadCpu | undefined {
  const last = figures.cpuTimeline.at(-1);
  if (!last || !figures.threads) return undefined;
  const end = last[0];
  const start = Math.max(0, end - downloadSeconds);
  const seconds = end - start;
  const cpuSeconds = last[1] - valueAt(figures.cpuTimeline, start);
  const samples = figures.threads;
  const final = samples.at(-1)!.cpu;
  const threads = [...final].map(([tid, cpu]) => ({
    tid,
    name: figures.threadNames?.get(tid) ?? "?",
    main: tid === pid,
    // A thread absent at the start had used nothing by then.
    cpuSeconds:
      cpu -
      valueAt(
        samples.map((s) => [s.at, s.cpu.get(tid) ?? 0] as [number, number]),
        start,
      ),
  }));
  threads.sort((a, b) => b.cpuSeconds - a.cpuSeconds);
  return { seconds, cpuSeconds, coresBusy: cpuSeconds / Math.max(seconds, 1e-9), threads: threads.slice(0, SHOWN_THREADS) };
}

/** Linear interpolation in a [time, value] series sorted by time, clamped at both ends. */
function valueAt(series: readonly (readonly [number, number])[], at: number): number {
  if (series.length === 0) return 0;
  if (at <= series[0]![0]) return series[0]![1];
  for (let i = 1; i < series.length; i++) {
    const [t1, v1] = series[i]!;
    if (at <= t1) {
      const [t0, v0] = series[i - 1]!;
      return t1 === t0 ? v1 : v0 + ((v1 - v0) * (at - t0)) / (t1 - t0);
    }
  }
  return series.at(-1)![1];
}

/**
 * What the busiest thread implies on a bigger machine: the most images per second one process can
 * reach when that thread is the cap, against `cores` × sharp alone's images per CPU-second. With
 * `shardWorkers` threads each doing that thread's per-image work for its own shards, the cap is
 * that many times higher (an extrapolation: it assumes a worker costs per image what the measured
 * thread did, which holds when the measured thread is the only one running shards).
 */
export function projection(
  busiestCpuPerImage: number,
  ceilingPerCpuSecond: number,
  cores: number,
  shardWorkers = 1,
): { cap: number; ceiling: number; ratio: number } {
  const cap = shardWorkers / busiestCpuPerImage;
  const ceiling = cores * ceilingPerCpuSecond;
  return { cap, ceiling, ratio: cap / ceiling };
}
