// Shards spread over worker threads (--shard_workers) give the bytes one thread gives, through the
// library (workers load the TypeScript under tsx) and through the CLI (workers load their bundle).
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { parseDownloadOptions } from "@laion-dl/config";
import { writeManifest } from "@laion-dl/manifest";
import { runDownload, type SampleOutcome } from "@laion-dl/pipeline";
import { createRandom, pick, randomInt, startFixtureServer, waitFor, type FixtureServer } from "@laion-dl/testing";
import { outputDigests, readParquetRows } from "../helpers/shards.ts";

const ROWS = 260;
const PER_SHARD = 40; // seven shards, the last one short
const repoRoot = join(import.meta.dirname, "..", "..");
const run = promisify(execFile);

let server: FixtureServer;
let work: string;
let manifest: string;
let oneThread: Record<string, string>;

const options = (folder: string, workers: number) => ({
  url_list: manifest,
  input_format: "json",
  caption_col: "caption",
  output_folder: folder,
  image_size: "64",
  number_sample_per_shard: String(PER_SHARD),
  thread_count: "32",
  timeout: "5",
  allow_private_network: "True",
  shard_workers: String(workers),
});

const cliArgs = (values: Record<string, string>) => ["download", ...Object.entries(values).flatMap(([name, value]) => [`--${name}`, value])];

before(async () => {
  server = await startFixtureServer();
  work = await mkdtemp(join(tmpdir(), "laion-dl-workers-"));
  // Small images of every kind and format, and failures that do not depend on timing (no slow
  // routes: a timeout's outcome could differ between runs on a loaded machine).
  const random = createRandom(5);
  const rows = Array.from({ length: ROWS }, (_, i) => {
    const kind = pick(random, ["photo", "alpha", "gray"] as const);
    const format = pick(
      random,
      kind === "alpha" ? (["png", "webp"] as const) : kind === "gray" ? (["jpg", "png"] as const) : (["jpg", "png", "webp"] as const),
    );
    const path =
      i % 13 === 5 ? "/status/404" : i % 17 === 3 ? "/text/1.html" : `/img/${kind}/${i}/${randomInt(random, 40, 400)}x${randomInt(random, 40, 400)}.${format}`;
    return { caption: `row ${i}`, url: `${server.baseUrl}${path}` };
  });
  for (const row of rows) await fetch(row.url).then((response) => response.arrayBuffer()); // rendered once, before timing matters
  manifest = join(work, "manifest.json");
  await writeManifest(manifest, rows, "json");
  const summary = await runDownload(parseDownloadOptions(options(join(work, "one"), 1)));
  assert.equal(summary.count, rows.length);
  assert.ok(summary.successes >= 0.85 * rows.length, `only ${summary.successes} successes: the comparison would prove little`);
  oneThread = await outputDigests(join(work, "one"));
  assert.equal(Object.keys(oneThread).length, 2 * Math.ceil(rows.length / PER_SHARD));
});

after(async () => {
  await server?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

test("shard workers: three worker threads write the bytes one thread writes, every row once, and report every sample", async () => {
  const folder = join(work, "three");
  const outcomes: SampleOutcome[] = [];
  const summary = await runDownload(parseDownloadOptions(options(folder, 3)), { onSample: (sample) => outcomes.push(sample) });
  assert.deepEqual(await outputDigests(folder), oneThread);
  const rows = await readParquetRows(folder);
  assert.equal(rows.length, summary.count);
  assert.equal(new Set(rows.map((row) => row.key)).size, rows.length);
  assert.equal(outcomes.length, summary.count, "each sample reaches the progress hook from its worker");
  assert.equal(outcomes.filter((sample) => sample.record.status === "success").length, summary.successes);
});

test("shard workers: the CLI's two workers (bundled) write the same bytes, and a SIGKILLed run resumes to them", async () => {
  const folder = join(work, "cli");
  await run(join(repoRoot, "bin", "laion-dl"), cliArgs(options(folder, 2)), { cwd: work });
  assert.deepEqual(await outputDigests(folder), oneThread);

  const killed = join(work, "killed");
  const child = spawn(join(repoRoot, "bin", "laion-dl"), cliArgs(options(killed, 2)), { cwd: work, stdio: "ignore" });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  await waitFor(async () => (await readdir(killed).catch(() => [])).some((name) => name.endsWith("_stats.json")), 60_000);
  child.kill("SIGKILL");
  await exited;
  await run(join(repoRoot, "bin", "laion-dl"), cliArgs(options(killed, 2)), { cwd: work });
  assert.deepEqual(await outputDigests(killed), oneThread);
});
