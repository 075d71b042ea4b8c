// One output-folder contract for both modes: a folder the fleet wrote holds the job file and the
// shards' checksum records the embedded mode writes, so the CLI's rerun, verification and
// retry-failed work on it; and the fleet counts a shard done only while its files verify, so a
// job resubmitted after its folder was deleted is downloaded again.
import assert from "node:assert/strict";
import { access, mkdtemp, readdir, readFile, rm, stat, truncate, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { parseDownloadOptions } from "@laion-dl/config";
import { writeManifest } from "@laion-dl/manifest";
import { retryFailed, runDownload } from "@laion-dl/pipeline";
import { outputFolder } from "@laion-dl/shard";
import { imagePath, startFixtureServer, startNatsServer, type FixtureServer, type NatsServerProcess } from "@laion-dl/testing";
import { startFleet, type Fleet } from "../helpers/fleet.ts";
import { outputDigests } from "../helpers/shards.ts";

const ROWS = 30;
let nats: NatsServerProcess;
let fixture: FixtureServer;
let fleet: Fleet;
let work: string;
let manifest: string;

const job = (output: string) => ({
  input_format: "json",
  caption_col: "caption",
  output_folder: output,
  image_size: "64",
  number_sample_per_shard: "10",
  allow_private_network: "True",
});

before(async () => {
  nats = await startNatsServer();
  fixture = await startFixtureServer();
  work = await mkdtemp(join(tmpdir(), "laion-dl-fleet-folder-"));
  manifest = join(work, "rows.json");
  // Every fifth row is down for its first request: retry-failed has something to recover.
  const rows = Array.from({ length: ROWS }, (_, i) => {
    const image = imagePath({ kind: "photo", seed: 700 + i, width: 80, height: 60, format: "jpg" });
    return { caption: `row ${i}`, url: `${fixture.baseUrl}${i % 5 === 0 ? "/flaky/1" : ""}${image}?r=${i}` };
  });
  await writeManifest(manifest, rows, "json");
  fleet = await startFleet(nats.url);
});

after(async () => {
  await fleet?.stop();
  await fixture?.close();
  await nats?.stop();
  await rm(work, { recursive: true, force: true });
});

test("fleet folder: job file and checksum records are written; an embedded rerun skips every shard; retry-failed recovers; a deleted folder is downloaded again", async () => {
  const output = join(work, "fleet");
  const jobId = await fleet.submit(manifest, job(output));
  let status = await fleet.waitForJob(jobId);
  assert.deepEqual([status.state, status.shards_done, status.samples_done], ["done", 3, ROWS]);
  const folder = outputFolder(output);
  const recorded = JSON.parse(await readFile(folder.jobFile, "utf8")) as { options: Record<string, unknown> };
  assert.equal(recorded.options.image_size, 64);
  assert.deepEqual((await readdir(folder.recordDir)).sort(), ["00000.json", "00001.json", "00002.json"]);
  const written = await outputDigests(output);

  // The CLI's rerun of the same job verifies the fleet's shards and keeps them.
  const skipped: string[] = [];
  const rerun = await runDownload(parseDownloadOptions({ url_list: manifest, ...job(output) }), { onShardSkipped: (name) => skipped.push(name) });
  assert.deepEqual([rerun.shards, rerun.skippedShards, skipped.sort()], [0, 3, ["00000", "00001", "00002"]]);
  assert.deepEqual(await outputDigests(output), written);

  // retry-failed on the fleet's folder: the rows that were down are fetched again.
  const retried = await retryFailed(output);
  assert.deepEqual([retried.shards, retried.retried, retried.recovered], [3, ROWS / 5, ROWS / 5]);
  const reference = join(work, "embedded");
  await runDownload(parseDownloadOptions({ url_list: manifest, ...job(reference) }));
  assert.deepEqual(await outputDigests(output), await outputDigests(reference), "after retry-failed: what a server that never failed gives");

  // A damaged shard is queued again on resubmission; a deleted folder is downloaded again, never reported done.
  await truncate(join(output, "00001.tar"), 100);
  const before = fixture.requestCount();
  assert.equal(await fleet.submit(manifest, job(output)), jobId);
  status = await fleet.waitForJob(jobId);
  assert.deepEqual([status.state, status.shards_done], ["done", 3]);
  assert.equal(fixture.requestCount() - before, 10, "only the damaged shard's rows are fetched");
  assert.deepEqual(await outputDigests(output), await outputDigests(reference));

  await rm(output, { recursive: true });
  assert.equal(await fleet.submit(manifest, job(output)), jobId);
  status = await fleet.waitForJob(jobId);
  assert.deepEqual([status.state, status.shards_done, status.samples_done], ["done", 3, ROWS]);
  assert.deepEqual(await outputDigests(output), await outputDigests(reference));
});

const LONG_AGO = new Date("2000-01-01T00:00:00Z");

/** Dates every shard file back to 2000: a file written again afterwards has a recent mtime. */
async function backdateShardFiles(folder: string): Promise<string[]> {
  const names = (await readdir(folder)).filter((name) => name.endsWith(".tar") || name.endsWith(".parquet")).sort();
  await Promise.all(names.map((name) => utimes(join(folder, name), LONG_AGO, LONG_AGO)));
  return names;
}

/** Shard files (.tar, .parquet) whose mtime is still the backdated one. */
async function untouchedShardFiles(folder: string): Promise<string[]> {
  const names = (await readdir(folder)).filter((name) => name.endsWith(".tar") || name.endsWith(".parquet")).sort();
  const untouched = await Promise.all(names.map(async (name) => ((await stat(join(folder, name))).mtimeMs === LONG_AGO.getTime() ? name : null)));
  return untouched.filter((name) => name !== null);
}

test("fleet folder: incremental_mode overwrite starts the folder afresh, as the embedded mode does, whatever the fleet recorded", async () => {
  const output = join(work, "overwritten");
  const jobId = await fleet.submit(manifest, job(output));
  assert.equal((await fleet.waitForJob(jobId)).state, "done");
  const shardFiles = await backdateShardFiles(output);
  await writeFile(join(output, "left-by-someone.txt"), "not the job's");

  // The same job again with overwrite: same identity, but no shard record or file of the first run is kept.
  let before = fixture.requestCount();
  assert.equal(await fleet.submit(manifest, { ...job(output), incremental_mode: "overwrite" }), jobId);
  let status = await fleet.waitForJob(jobId);
  assert.deepEqual([status.state, status.shards_done, status.samples_done, status.error], ["done", 3, ROWS, ""]);
  assert.equal(fixture.requestCount() - before, ROWS, "every row is fetched again");
  assert.equal(shardFiles.length, 6);
  assert.deepEqual(await untouchedShardFiles(output), [], "every shard file is written again");
  await assert.rejects(access(join(output, "left-by-someone.txt")), "the folder was emptied");
  const reference = join(work, "overwrite-embedded");
  await runDownload(parseDownloadOptions({ url_list: manifest, ...job(reference) }));
  assert.deepEqual(await outputDigests(output), await outputDigests(reference));

  // Other options on the same folder: refused as a rerun, accepted with overwrite.
  const smaller = { ...job(output), image_size: "48" };
  const refused = await fleet.waitForJob(await fleet.submit(manifest, smaller));
  assert.equal(refused.state, "failed");
  assert.match(refused.error, /holds a job with other settings: --image_size 48 \(was 64\)/);
  before = fixture.requestCount();
  status = await fleet.waitForJob(await fleet.submit(manifest, { ...smaller, incremental_mode: "overwrite" }));
  assert.deepEqual([status.state, status.shards_done, status.samples_done, status.error], ["done", 3, ROWS, ""]);
  assert.equal(fixture.requestCount() - before, ROWS);
  const smallerReference = join(work, "overwrite-embedded-48");
  await runDownload(parseDownloadOptions({ url_list: manifest, ...smaller, output_folder: smallerReference }));
  assert.deepEqual(await outputDigests(output), await outputDigests(smallerReference));
});

test("fleet folder: the fleet's run of a folder the CLI wrote skips every verified shard", async () => {
  const output = join(work, "cli-written");
  const written = await runDownload(parseDownloadOptions({ url_list: manifest, ...job(output) }));
  assert.equal(written.shards, 3);
  const shardFiles = await backdateShardFiles(output);
  const digests = await outputDigests(output);
  const before = fixture.requestCount();
  const status = await fleet.waitForJob(await fleet.submit(manifest, job(output)));
  assert.deepEqual([status.state, status.shards_done, status.samples_done, status.error], ["done", 3, ROWS, ""]);
  assert.equal(fixture.requestCount() - before, 0, "no row is fetched again");
  assert.deepEqual(await untouchedShardFiles(output), shardFiles, "no file is written again");
  assert.deepEqual(await outputDigests(output), digests);
});
