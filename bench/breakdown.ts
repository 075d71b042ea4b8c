// Where the CPU goes in one embedded run (issue #11, item 6): `perf record` of the whole download
// process (every thread, user and kernel) by shared object, by thread and by top symbols, and the
// main thread's JS time from node --cpu-prof in buckets (HTTP, hashing, journal, tar/parquet, GC,
// sharp JS, idle). perf comes from Debian's linux-perf, installed with apt-get when missing.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { killOnExit } from "./children.ts";
import type { EmbeddedRun } from "./embedded.ts";
import { WORK_DIR } from "./options.ts";
import { summariseProfile, type ProfileSummary } from "./profile.ts";

const run = promisify(execFile);
const PERF_HZ = 499;
const TOP_SYMBOLS = 25;

export interface Share {
  name: string;
  share: number;
}

export interface PerfSummary {
  file: string;
  /** Share of every sample of the process, by shared object ("[JIT] tid N" folded into "JIT"). */
  objects: Share[];
  /** By thread name (/proc comm). */
  threads: Share[];
  /** The busiest symbols, "object: symbol". */
  symbols: Share[];
}

export interface CpuBreakdown {
  /** The profiled run (its own rate is slowed by the profilers). */
  run: EmbeddedRun;
  perf: PerfSummary | { skipped: string };
  js?: ProfileSummary;
}

/** One embedded run under perf record (attached to the download process) and node --cpu-prof. */
export async function runCpuBreakdown(
  embeddedRun: (extras: { cpuProfDir: string; onSpawn: (pid: number) => void }) => Promise<EmbeddedRun>,
  log: (line: string) => void,
): Promise<CpuBreakdown> {
  const perfReady = await ensurePerf(log);
  const dir = join(WORK_DIR, "breakdown");
  await rm(dir, { recursive: true, force: true });
  const data = join(WORK_DIR, "perf.data");
  let perf: ChildProcess | undefined;
  const profiled = await embeddedRun({
    cpuProfDir: dir,
    onSpawn: (pid) => {
      if (perfReady !== true) return;
      // perf follows the process across bin/laion-dl's exec and stops when it exits.
      perf = spawn("perf", ["record", "-F", String(PERF_HZ), "-p", String(pid), "-o", data, "-q"], { stdio: ["ignore", "ignore", "pipe"] });
      killOnExit(perf);
    },
  });
  let summary: CpuBreakdown["perf"] = { skipped: perfReady === true ? "perf did not start" : perfReady };
  if (perf) {
    if (perf.exitCode === null && perf.signalCode === null) await once(perf, "exit");
    summary = await summarisePerf(data);
  }
  const js = await summariseProfile(dir);
  return { run: profiled, perf: summary, ...(js ? { js } : {}) };
}

/** true once `perf` runs, or why it cannot. */
async function ensurePerf(log: (line: string) => void): Promise<true | string> {
  const works = () =>
    run("perf", ["--version"]).then(
      () => true,
      () => false,
    );
  if (await works()) return true;
  log("  perf is missing: installing Debian's linux-perf with apt-get");
  const root = process.getuid?.() === 0;
  const apt = (args: string[]) => (root ? run("apt-get", args) : run("sudo", ["-n", "apt-get", ...args]));
  try {
    await apt(["install", "-y", "-q", "linux-perf"]).catch(async () => {
      await apt(["update", "-q"]);
      await apt(["install", "-y", "-q", "linux-perf"]);
    });
  } catch (error) {
    return `could not install linux-perf (${(error as Error).message.split("\n")[0]}); run apt-get install linux-perf as root`;
  }
  return (await works()) ? true : "linux-perf is installed but perf does not run (perf --version failed)";
}

async function summarisePerf(file: string): Promise<PerfSummary> {
  const report = async (sort: string) => {
    const { stdout } = await run("perf", ["report", "-i", file, "--stdio", "--sort", sort, "--field-separator", "\t"], { maxBuffer: 256 << 20 });
    return stdout
      .split("\n")
      .filter((line) => line && !line.startsWith("#"))
      .map((line) => line.split("\t").map((field) => field.trim()))
      .filter((fields) => /^[\d.]+%$/.test(fields[0] ?? ""));
  };
  const folded = (rows: string[][], name: (fields: string[]) => string): Share[] => {
    const shares = new Map<string, number>();
    for (const fields of rows) shares.set(name(fields), (shares.get(name(fields)) ?? 0) + Number.parseFloat(fields[0]!) / 100);
    return [...shares].sort((a, b) => b[1] - a[1]).map(([key, share]) => ({ name: key, share }));
  };
  const object = (name: string) => (name.startsWith("[JIT]") ? "JIT" : name);
  const objects = folded(await report("dso"), (fields) => object(fields[1]!));
  // Threads perf never saw a name for show as ":TID" (here: libuv's pool, started with the process).
  const threads = folded(await report("comm"), (fields) => (fields[1]!.startsWith(":") ? "(no name seen by perf)" : fields[1]!));
  const symbols = folded(await report("dso,sym"), (fields) => {
    const dso = object(fields[1]!);
    // JIT code has no symbols without --perf-basic-prof, stripped libraries (libvips) only
    // addresses: one line for each.
    const symbol = (fields[2] ?? "").replace(/^\[.\]\s*/, "");
    return dso === "JIT" ? "JIT: (JS code)" : `${dso}: ${/^0x[0-9a-f]+$/.test(symbol) ? "(no symbol)" : symbol}`;
  }).slice(0, TOP_SYMBOLS);
  return { file, objects, threads, symbols };
}
