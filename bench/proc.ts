// CPU time and memory of other processes, read from /proc (Linux), and a 100 ms sampler over them.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

const TICKS_PER_SECOND = clockTicks();

function clockTicks(): number {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
}

/** User + system CPU seconds a process has used so far, or undefined once it is gone. */
export function cpuSeconds(pid: number): number | undefined {
  return statCpuSeconds(`/proc/${pid}/stat`);
}

/** utime + stime of a /proc stat file (a process's or one thread's), in seconds; with `reaped`, plus its waited-for children's. */
function statCpuSeconds(path: string, reaped = false): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces: count fields from its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const children = reaped ? Number(fields[13]) + Number(fields[14]) : 0;
  return (Number(fields[11]) + Number(fields[12]) + children) / TICKS_PER_SECOND;
}

/** The live processes under `root` (children, grandchildren, …), from every /proc/<pid>/stat's parent. */
export function descendantPids(root: number): number[] {
  const childrenOf = new Map<number, number[]>();
  for (const { pid, ppid } of liveProcesses()) childrenOf.set(ppid, [...(childrenOf.get(ppid) ?? []), pid]);
  const found: number[] = [];
  for (let queue = [root]; queue.length > 0;) {
    const children = childrenOf.get(queue.pop()!) ?? [];
    found.push(...children);
    queue.push(...children);
  }
  return found;
}

/** CPU seconds of each live thread of a process, by thread id (/proc/<pid>/task/<tid>/stat). */
export function threadCpuSeconds(pid: number): Map<number, number> {
  const threads = new Map<number, number>();
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return threads;
  }
  for (const tid of tids) {
    const cpu = statCpuSeconds(`/proc/${pid}/task/${tid}/stat`);
    if (cpu !== undefined) threads.set(Number(tid), cpu);
  }
  return threads;
}

/** A thread's name (/proc/<pid>/task/<tid>/comm: "node", "libuv-worker", "V8 DefaultWorke", …). */
export function threadName(pid: number, tid: number): string {
  try {
    return readFileSync(`/proc/${pid}/task/${tid}/comm`, "utf8").trim();
  } catch {
    return "?";
  }
}

export interface Memory {
  /** Resident set now, bytes. */
  rss: number;
  /** Peak resident set since the process started (VmHWM), bytes. */
  peak: number;
}

/** A process's resident memory, or undefined once it is gone (or a zombie). */
export function memoryOf(pid: number | "self"): Memory | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, "utf8");
  } catch {
    return undefined;
  }
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN) * 1024;
  const rss = kib("VmRSS");
  const peak = kib("VmHWM");
  return Number.isNaN(rss) ? undefined : { rss, peak: Number.isNaN(peak) ? rss : peak };
}

export interface ProcessFigures {
  /** Highest VmHWM seen (the kernel's own peak, so spikes between samples count). */
  peakRss: number;
  /** CPU seconds used between start() and stop() (to the last sample before an exit). */
  cpuSeconds: number;
  /** VmRSS over time: [seconds since start, bytes]. */
  timeline: [number, number][];
  /** The process's CPU seconds since start over time: [seconds since start, CPU seconds]. */
  cpuTimeline: [number, number][];
  /** With `threads`: each sample's CPU seconds per thread id since the sampler started, and the names. */
  threads?: { at: number; cpu: Map<number, number> }[];
  threadNames?: Map<number, string>;
}

export interface Sampler {
  /** Stops sampling; figures per name, for the processes seen at least once. */
  stop(): Record<string, ProcessFigures>;
}

interface SampledProcess {
  cpuAtStart: number;
  cpuLast: number;
  peak: number;
  timeline: [number, number][];
  cpuTimeline: [number, number][];
  threads?: { at: number; cpu: Map<number, number> }[];
  threadNames?: Map<number, string>;
}

/** Samples between two looks for new child processes of a process sampled as a tree. */
const TREE_REFRESH_SAMPLES = 10;

/**
 * Samples VmRSS/VmHWM/CPU of the named processes every `intervalMs` until stop(). The names in
 * `treesOf` are sampled with every process under them (should a mode spread work over child
 * processes: CPU and RSS are the tree's sums) and each of their threads' CPU (the busiest thread is
 * what caps a process on many cores).
 */
export function startSampler(pids: Readonly<Record<string, number>>, intervalMs = 100, treesOf: readonly string[] = []): Sampler {
  const started = performance.now();
  const state = new Map<string, SampledProcess>();
  const trees = new Map<string, number[]>();
  let samples = 0;
  const sample = () => {
    const at = (performance.now() - started) / 1000;
    const refresh = samples++ % TREE_REFRESH_SAMPLES === 0;
    for (const [name, pid] of Object.entries(pids)) {
      const tree = treesOf.includes(name);
      if (tree && refresh) trees.set(name, descendantPids(pid));
      const children = tree ? (trees.get(name) ?? []) : [];
      const cpu = tree ? treeCpuSeconds(pid, children) : cpuSeconds(pid);
      const memory = tree ? treeMemory(pid, children) : memoryOf(pid);
      if (cpu === undefined || memory === undefined) continue;
      const entry: SampledProcess = state.get(name) ?? { cpuAtStart: cpu, cpuLast: cpu, peak: 0, timeline: [], cpuTimeline: [] };
      entry.cpuLast = cpu;
      entry.peak = Math.max(entry.peak, memory.peak, memory.rss);
      entry.timeline.push([at, memory.rss]);
      entry.cpuTimeline.push([at, cpu - entry.cpuAtStart]);
      if (tree) {
        const threads = new Map<number, number>();
        const names = (entry.threadNames ??= new Map());
        for (const owner of [pid, ...children]) {
          for (const [tid, seconds] of threadCpuSeconds(owner)) {
            threads.set(tid, seconds);
            if (!names.has(tid)) names.set(tid, `${owner === pid ? "" : `child ${owner}: `}${threadName(owner, tid)}`);
          }
        }
        (entry.threads ??= []).push({ at, cpu: threads });
      }
      state.set(name, entry);
    }
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      const figures: Record<string, ProcessFigures> = {};
      for (const [name, entry] of state) {
        figures[name] = {
          peakRss: entry.peak,
          cpuSeconds: entry.cpuLast - entry.cpuAtStart,
          timeline: entry.timeline,
          cpuTimeline: entry.cpuTimeline,
          ...(entry.threads ? { threads: entry.threads, threadNames: entry.threadNames } : {}),
        };
      }
      return figures;
    },
  };
}

/** CPU seconds of a process and the live processes under it, the ones it has waited for included. */
function treeCpuSeconds(pid: number, children: readonly number[]): number | undefined {
  const own = statCpuSeconds(`/proc/${pid}/stat`, true);
  if (own === undefined) return undefined;
  return children.reduce((sum, child) => sum + (statCpuSeconds(`/proc/${child}/stat`, true) ?? 0), own);
}

/** RSS summed over a process and the live processes under it; the peak is the larger of that sum and the root's own VmHWM. */
function treeMemory(pid: number, children: readonly number[]): Memory | undefined {
  const own = memoryOf(pid);
  if (own === undefined) return undefined;
  const rss = children.reduce((sum, child) => sum + (memoryOf(child)?.rss ?? 0), own.rss);
  return { rss, peak: Math.max(own.peak, rss) };
}

/** CPU seconds of one process over a stretch of time (for the fixture server during a phase). */
export function cpuMeter(pid: number): { read(): number } {
  const start = cpuSeconds(pid) ?? 0;
  return { read: () => (cpuSeconds(pid) ?? start) - start };
}

/** Pids of the direct children of `parent` whose command name is `comm` (e.g. "nats-server"). */
export function childPids(parent: number, comm: string): number[] {
  return liveProcesses()
    .filter((process) => process.name === comm && process.ppid === parent)
    .map((process) => process.pid);
}

/** Every live process's pid, command name and parent, from /proc/<pid>/stat (those gone meanwhile are skipped). */
function liveProcesses(): Array<{ pid: number; name: string; ppid: number }> {
  const found: Array<{ pid: number; name: string; ppid: number }> = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue;
    }
    const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    found.push({ pid: Number(entry), name, ppid });
  }
  return found;
}

/** CPU seconds all processes on the machine have used so far (every core; /proc/stat). */
export function machineCpuSeconds(): number {
  const line = readFileSync("/proc/stat", "utf8").split("\n", 1)[0]!;
  // cpu user nice system idle iowait irq softirq steal …: everything but idle and iowait is busy.
  const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) / TICKS_PER_SECOND;
}

/** Busy CPU seconds of the whole machine over a stretch of time. */
export function machineMeter(): { read(): number } {
  const start = machineCpuSeconds();
  return { read: () => machineCpuSeconds() - start };
}
