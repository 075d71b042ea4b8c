// Reads the generated seed-format manifest through one reader in a fresh process and prints one
// JSON line (IngestRun): throughput, and resident memory at 100 k rows, every million and the end.
// usage: node --import tsx bench/ingest-child.ts laion-dl|stream-json PATH
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import chain from "stream-chain";
import { parser } from "stream-json";
import { streamArray } from "stream-json/streamers/stream-array.js";
import { openManifest } from "@laion-dl/manifest";
import type { IngestReader, IngestRun } from "./ingest.ts";
import { machineMeter, memoryOf } from "./proc.ts";

const [reader, path] = process.argv.slice(2) as [IngestReader, string];
const bytes = (await stat(path)).size;
const rssAt: [rows: number, rss: number][] = [];
let rows = 0;
let urlChars = 0;

const count = (fields: unknown) => {
  const url = (fields as { url?: unknown }).url;
  if (typeof url === "string") urlChars += url.length; // touch the value, as a consumer would
  if (++rows === 100_000 || rows % 1_000_000 === 0) rssAt.push([rows, process.memoryUsage().rss]);
};

const cpuBefore = process.cpuUsage();
const machine = machineMeter();
const started = performance.now();
if (reader === "laion-dl") {
  const manifest = await openManifest(path, { inputFormat: "json" });
  for await (const row of manifest.rows) {
    if (row.error) throw new Error(`row ${row.index}: ${row.error}`);
    count(row.fields);
  }
} else {
  // The pipeline the project used before its own scanner: stream-json's parser + streamArray.
  const rowsOut = chain([createReadStream(path), parser({ streamValues: false }), streamArray()]);
  for await (const item of rowsOut as AsyncIterable<{ key: number; value: unknown }>) count(item.value);
}
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuBefore);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
const otherCpuSeconds = Math.max(0, machine.read() - cpuSeconds);
rssAt.push([rows, process.memoryUsage().rss]);

const run: IngestRun = {
  reader,
  bytes,
  rows,
  seconds,
  mbPerSecond: bytes / 1e6 / seconds,
  rowsPerSecond: rows / seconds,
  rssAt100k: rssAt.find(([at]) => at === 100_000)?.[1] ?? rssAt[0]![1],
  rssAtEnd: rssAt.at(-1)![1],
  peakRss: memoryOf("self")?.peak ?? 0,
  rssAt,
  urlChars,
  cpuSeconds,
  otherCpuSeconds,
};
process.stdout.write(`${JSON.stringify(run)}\n`);
