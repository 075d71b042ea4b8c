// Crash anything, restart, lose nothing: the CLI is interrupted (SIGINT, SIGKILL at seeded
// random points, SIGKILL mid-write) and rerun, and must end byte-identical to a clean run
// without fetching again what it had already journaled.
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { watch } from "node:fs";
import { access, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { after, before, test } from "node:test";
import { writeManifest } from "@laion-dl/manifest";
import { outputFolder, ShardJournal } from "@laion-dl/shard";
import { createRandom, imagePath, randomInt, startFixtureServer, type FixtureServer } from "@laion-dl/testing";
import { outputDigests, systemTarList } from "../helpers/shards.ts";

const ROWS = 300;
const PER_SHARD = 50;
const SHARDS = ROWS / PER_SHARD;
const SEED = 20_240_611;
const bin = join(import.meta.dirname, "..", "..", "bin", "laion-dl");

let server: FixtureServer;
let work: string;
let manifest: string;
let urls: string[];
let clean: Record<string, string>;

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Small images behind a 100 ms delay (so a run lasts seconds), some rows failing; every URL distinct. */
function rowUrl(base: string, i: number): string {
  if (i % 10 === 3) return `${base}/slow/100/status/404?r=${i}`;
  if (i % 17 === 5) return `${base}/slow/100/text/${i}.html?r=${i}`;
  return `${base}/slow/100${imagePath({ kind: i % 7 === 0 ? "alpha" : "photo", seed: i, width: 64 + (i % 5) * 24, height: 48 + (i % 3) * 20, format: i % 7 === 0 ? "png" : "jpg" })}?r=${i}`;
}

const target = (url: string) => {
  const parsed = new URL(url);
  return parsed.pathname + parsed.search;
};

function downloadArgs(list: string, folder: string, extra: string[] = []): string[] {
  return [
    "download",
    "--url_list",
    list,
    "--input_format",
    "json",
    "--caption_col",
    "caption",
    "--output_folder",
    folder,
    "--image_size",
    "64",
    "--number_sample_per_shard",
    String(PER_SHARD),
    "--thread_count",
    "16",
    "--timeout",
    "5",
    "--allow_private_network",
    "True",
    ...extra,
  ];
}

function start(args: string[]) {
  const child = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(child, "close").then(([code, signal]) => ({ code, signal, stdout, stderr }) as Exit);
  return { child, exited };
}

function run(args: string[]): Promise<Exit> {
  return new Promise((resolve) => {
    execFile(bin, args, (error, stdout, stderr) => {
      const failure = error as (Error & { code?: number }) | null;
      resolve({ code: failure ? (failure.code ?? -1) : 0, signal: null, stdout, stderr });
    });
  });
}

/** Manifest rows that are done in the folder: in a finished shard or in a shard's journal. */
async function journaledRows(folder: string): Promise<Set<number>> {
  const rows = new Set<number>();
  for (let shard = 0; shard < SHARDS; shard++) {
    const name = String(shard).padStart(5, "0");
    const finished = await access(join(folder, `${name}_stats.json`)).then(
      () => true,
      () => false,
    );
    const path = outputFolder(folder).journal(name);
    const hasJournal = await access(path).then(
      () => true,
      () => false,
    );
    if (!finished && !hasJournal) continue;
    // Opening drops a torn tail record, exactly as the resumed run will.
    const journal = finished ? null : await ShardJournal.open(path, PER_SHARD);
    for (let row = 0; row < PER_SHARD; row++) if (finished || journal?.has(row)) rows.add(shard * PER_SHARD + row);
    await journal?.close();
  }
  return rows;
}

const counts = () => urls.map((url) => server.requestCount(target(url)));

before(async () => {
  server = await startFixtureServer();
  work = await mkdtemp(join(tmpdir(), "laion-dl-resume-"));
  urls = Array.from({ length: ROWS }, (_, i) => rowUrl(server.baseUrl, i));
  manifest = join(work, "rows.json");
  await writeManifest(
    manifest,
    urls.map((url, i) => ({ caption: `caption ${i}`, url })),
    "json",
  );
  const before = counts();
  const reference = await run(downloadArgs(manifest, join(work, "clean")));
  assert.equal(reference.code, 0, reference.stderr);
  clean = await outputDigests(join(work, "clean"));
  assert.equal(Object.keys(clean).length, 2 * SHARDS);
  // The exactness of the resume check below rests on this: one request per row in a clean run.
  assert.deepEqual(
    counts().map((count, i) => count - before[i]!),
    urls.map(() => 1),
  );
});

after(async () => {
  await server.close();
  await rm(work, { recursive: true, force: true });
});

test("resume: SIGINT then SIGKILLs at seeded random points; the rerun ends byte-identical and never refetches a journaled sample", async (t) => {
  const folder = join(work, "killed");
  const random = createRandom(SEED);
  const interruptions: NodeJS.Signals[] = ["SIGINT", ...Array.from({ length: randomInt(random, 2, 3) }, () => "SIGKILL" as const)];
  const seriesStart = server.requestCount();
  const stops: Array<{ signal: NodeJS.Signals; done: Set<number>; counts: number[] }> = [];
  let finished: Exit | undefined;
  for (let attempt = 0; attempt < interruptions.length + 3 && !finished; attempt++) {
    const signal = interruptions[attempt];
    const startCount = server.requestCount();
    // Interrupt once the run has made a seeded number of requests: mid-work, wherever that falls.
    const threshold = startCount + randomInt(random, 15, 90);
    const { child, exited } = start(downloadArgs(manifest, folder));
    // The last interruption waits for a finished shard too, so the final rerun has one to verify and
    // skip whatever the machine's speed (on a loaded machine 90 requests may not finish a shard).
    const last = attempt === interruptions.length - 1;
    let sent = false;
    while (child.exitCode === null && child.signalCode === null) {
      if (signal && !sent && server.requestCount() >= threshold && (!last || (await hasFinishedShard(folder)))) {
        child.kill(signal);
        sent = true;
      }
      await sleep(5);
    }
    const exit = await exited;
    if (!sent || !signal) {
      assert.equal(exit.code, 0, exit.stderr);
      finished = exit;
      break;
    }
    if (signal === "SIGINT") {
      assert.equal(exit.code, 130, exit.stderr);
      assert.match(exit.stderr, /interrupted; run the same command again to resume/);
    } else {
      assert.equal(exit.signal, "SIGKILL");
    }
    stops.push({ signal, done: await journaledRows(folder), counts: counts() });
  }
  assert.ok(finished, "the job never completed");
  assert.ok(stops.length >= 3, `only ${stops.length} interruptions landed`);
  assert.deepEqual(await outputDigests(folder), clean);
  assert.deepEqual(
    (await readdir(folder)).filter((name) => name.endsWith(".tmp")),
    [],
  );

  const final = counts();
  for (const [k, stop] of stops.entries()) {
    for (const row of stop.done) {
      assert.equal(final[row], stop.counts[row], `row ${row} was journaled at interruption ${k + 1} (${stop.signal}) but fetched again`);
    }
  }
  // A graceful stop loses nothing: every row it fetched is journaled.
  const sigint = stops[0]!;
  const fetchedBySigintRun = urls.flatMap((_, row) => (sigint.counts[row]! > 1 ? [row] : [])); // the clean run made the first
  assert.deepEqual(
    fetchedBySigintRun.filter((row) => !sigint.done.has(row)),
    [],
  );

  const total = server.requestCount() - seriesStart;
  // What img2dataset would have fetched again: every done row of a shard that was not finished.
  const redoneFromScratch = stops.reduce((sum, stop) => sum + [...stop.done].filter((row) => !isFinishedAt(stop.done, row)).length, 0);
  t.diagnostic(
    `interruptions: ${stops.map((stop) => `${stop.signal} with ${stop.done.size} rows done`).join(", ")}; ` +
      `requests: ${total} for ${ROWS} rows (${total - ROWS} lost in flight at kills); ` +
      `journaled rows of unfinished shards kept across restarts (refetches saved): ${redoneFromScratch}`,
  );
  assert.match(finished.stdout, /already written and verified, skipped/);
});

async function hasFinishedShard(folder: string): Promise<boolean> {
  return (await readdir(folder).catch(() => [])).some((name) => name.endsWith("_stats.json"));
}

function isFinishedAt(done: Set<number>, row: number): boolean {
  const first = Math.floor(row / PER_SHARD) * PER_SHARD;
  for (let r = first; r < first + PER_SHARD; r++) if (!done.has(r)) return false;
  return true;
}

test("resume: SIGKILL while a shard is being written leaves only whole files under final names", async (t) => {
  const folder = join(work, "mid-write");
  const { child, exited } = start(downloadArgs(manifest, folder));
  // The output folder appears once the run has started. A shard's temporary tar and parquet grow
  // while it downloads; its temporary stats file appears once they are complete, just before the
  // renames: kill there.
  while (
    !(await access(folder).then(
      () => true,
      () => false,
    ))
  )
    await sleep(5);
  const watcher = watch(folder, (_event, name) => {
    if (name && /^\.\d{5}_stats\.json\..*\.tmp$/.test(name)) child.kill("SIGKILL");
  });
  const exit = await exited;
  watcher.close();
  assert.equal(exit.signal, "SIGKILL", "the run finished before a shard was written");
  const names = await readdir(folder);
  t.diagnostic(`left at the kill: ${names.filter((name) => name.endsWith(".tmp")).join(", ") || "no temporary file"}`);
  const records = await readdir(outputFolder(folder).recordDir).catch(() => [] as string[]);
  for (const name of names.filter((n) => /^\d{5}_stats\.json$/.test(n))) {
    const shard = name.slice(0, 5);
    assert.ok(names.includes(`${shard}.tar`) && names.includes(`${shard}.parquet`), `${name} without its shard files`);
    assert.ok(records.includes(`${shard}.json`), `${name} without its checksum record`);
  }
  const digests = await outputDigests(folder);
  for (const [name, digest] of Object.entries(digests)) {
    assert.equal(digest, clean[name], `${name} under its final name is not the complete file`);
    if (name.endsWith(".tar")) assert.ok(systemTarList(join(folder, name)).length > 0);
  }
  const rerun = await run(downloadArgs(manifest, folder));
  assert.equal(rerun.code, 0, rerun.stderr);
  assert.deepEqual(await outputDigests(folder), clean);
  assert.deepEqual(
    (await readdir(folder)).filter((name) => name.endsWith(".tmp")),
    [],
  );
});

test("resume: a finished shard that no longer matches its checksum record is redone", async () => {
  const folder = join(work, "killed");
  const tar = join(folder, "00002.tar");
  const bytes = await readFile(tar);
  bytes[bytes.length - 2000] = bytes[bytes.length - 2000]! ^ 0xff;
  await writeFile(tar, bytes);
  const before = server.requestCount();
  const rerun = await run(downloadArgs(manifest, folder));
  assert.equal(rerun.code, 0, rerun.stderr);
  assert.match(rerun.stdout, /shard 00002 - 00002\.tar does not match its recorded sha256; writing it again/);
  assert.equal(server.requestCount() - before, PER_SHARD);
  assert.deepEqual(await outputDigests(folder), clean);
});

test("resume: a rerun with another --image_size is refused with what differs; overwrite starts afresh", async () => {
  const folder = join(work, "killed");
  const refused = await run(downloadArgs(manifest, folder, ["--image_size", "96"]));
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /holds a job with other settings: --image_size 96 \(was 64\); use a new --output_folder, or --incremental_mode overwrite/);
  assert.deepEqual(await outputDigests(folder), clean);
  const small = join(work, "small.json");
  await writeManifest(
    small,
    urls.slice(0, 10).map((url, i) => ({ caption: `caption ${i}`, url })),
    "json",
  );
  const otherManifest = await run(downloadArgs(small, folder));
  assert.equal(otherManifest.code, 1);
  assert.match(otherManifest.stderr, /manifest path .*small\.json.*, manifest bytes \d+ \(was \d+\)/);
  const overwritten = await run(downloadArgs(small, folder, ["--image_size", "96", "--incremental_mode", "overwrite"]));
  assert.equal(overwritten.code, 0, overwritten.stderr);
  assert.deepEqual(Object.keys(await outputDigests(folder)), ["00000.parquet", "00000.tar"]);
  const job = JSON.parse(await readFile(outputFolder(folder).jobFile, "utf8")) as { options: Record<string, unknown> };
  assert.equal(job.options.image_size, 96);
});

test("retry-failed: samples that failed with 503 are fetched again and the shards equal a clean run's", async () => {
  // Every third row is down for its first request; one row is gone for good (404).
  const rows = Array.from({ length: 20 }, (_, i) => {
    const image = imagePath({ kind: "photo", seed: 500 + i, width: 80, height: 60, format: "jpg" });
    const url = i === 7 ? `${server.baseUrl}/status/404?r=${i}` : i % 3 === 0 ? `${server.baseUrl}/flaky/1${image}?r=${i}` : `${server.baseUrl}${image}?r=${i}`;
    return { caption: `flaky ${i}`, url };
  });
  const list = join(work, "flaky.json");
  await writeManifest(list, rows, "json");
  const flakyFolder = join(work, "flaky");
  const first = await run(downloadArgs(list, flakyFolder, ["--number_sample_per_shard", "10", "--retries", "0"]));
  assert.equal(first.code, 0, first.stderr);
  const failedRows = rows.filter((_, i) => i === 7 || i % 3 === 0).length;
  const statsBefore = await Promise.all(["00000", "00001"].map((s) => readFile(join(flakyFolder, `${s}_stats.json`), "utf8").then(JSON.parse)));
  assert.equal(
    statsBefore.reduce((sum: number, stats: { failed_to_download: number }) => sum + stats.failed_to_download, 0),
    failedRows,
  );

  // The server has recovered: a run now is what a never-failing server gives.
  const reference = join(work, "flaky-reference");
  assert.equal((await run(downloadArgs(list, reference, ["--number_sample_per_shard", "10"]))).code, 0);
  assert.notDeepEqual(await outputDigests(flakyFolder), await outputDigests(reference));

  const before = server.requestCount();
  const retried = await run(["retry-failed", flakyFolder]);
  assert.equal(retried.code, 0, retried.stderr);
  assert.equal(server.requestCount() - before, failedRows, "successes must be copied, not fetched again");
  assert.match(retried.stdout, new RegExp(`samples retried: ${failedRows}, recovered: ${failedRows - 1}`));
  assert.deepEqual(await outputDigests(flakyFolder), await outputDigests(reference));
  const stats = JSON.parse(await readFile(join(flakyFolder, "00000_stats.json"), "utf8")) as Record<string, unknown>;
  assert.equal(stats.failed_to_download, 1);
  assert.equal(stats.retried, 0);
  assert.deepEqual(await readdir(outputFolder(flakyFolder).journalDir), []);
});
