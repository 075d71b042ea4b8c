// The leanest pipeline: every row of the corpus fetched over HTTP with undici (BENCH_DOWNLOADS in
// flight), each body hashed (sha256) and, when it answered 200, transformed as the job does
// (BENCH_JOBS at once), nothing written. What any Node downloader on this machine pays at least:
// laion-dl's embedded runs over this figure is what its own machinery (journal, tar, parquet,
// safety checks, windows) costs. Prints one JSON line: a LeanestRun.
import { createHash } from "node:crypto";
import sharp from "sharp";
import { Agent, request } from "undici";
import { transformImage } from "@laion-dl/transform";
import { corpusRows, type CorpusKind } from "./corpus.ts";
import { jobTransformOptions } from "./job.ts";
import type { LeanestRun } from "./leanest.ts";
import { machineMeter } from "./proc.ts";

const env = (name: string) => Number(process.env[name]);
const rows = corpusRows(process.env.BENCH_CORPUS as CorpusKind, process.env.BENCH_BASE_URL!, env("BENCH_ROWS"), env("BENCH_SEED"));
const downloads = env("BENCH_DOWNLOADS");
const jobs = env("BENCH_JOBS");
sharp.cache(false);
sharp.concurrency(1);
const options = jobTransformOptions(JSON.parse(process.env.BENCH_JOB_EXTRA ?? "{}") as Record<string, string>);
const agent = new Agent({ connections: downloads });

// Bodies wait here for an image slot; downloads pause while a few per slot are waiting.
const bodies: Buffer[] = [];
const bodyWaiters: (() => void)[] = [];
const roomWaiters: (() => void)[] = [];
let fetching = true;
let successes = 0;

const cpuBefore = process.cpuUsage();
const machine = machineMeter();
const started = performance.now();
let nextRow = 0;
const download = async () => {
  while (nextRow < rows.length) {
    const { url } = rows[nextRow++]!;
    const response = await request(url, { dispatcher: agent });
    const body = Buffer.from(await response.body.arrayBuffer());
    createHash("sha256").update(body).digest("hex");
    if (response.statusCode !== 200) continue;
    while (bodies.length >= 4 * jobs) await new Promise<void>((resolve) => roomWaiters.push(resolve));
    bodies.push(body);
    bodyWaiters.shift()?.();
  }
};
const transform = async () => {
  for (;;) {
    const body = bodies.shift();
    if (!body) {
      if (!fetching) return;
      await new Promise<void>((resolve) => bodyWaiters.push(resolve));
      continue;
    }
    roomWaiters.shift()?.();
    try {
      await transformImage(body, options);
      successes++;
    } catch {
      // a refused image is a failed sample, as in the job
    }
  }
};
const transforms = Array.from({ length: jobs }, transform);
await Promise.all(Array.from({ length: downloads }, download));
fetching = false;
for (const wake of bodyWaiters.splice(0)) wake();
await Promise.all(transforms);
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuBefore);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
await agent.close();
const run: LeanestRun = {
  rows: rows.length,
  successes,
  downloads,
  jobs,
  seconds,
  imagesPerSecond: successes / seconds,
  cpuSeconds,
  otherCpuSeconds: Math.max(0, machine.read() - cpuSeconds),
};
process.stdout.write(`${JSON.stringify(run)}\n`);
