// One output-folder contract for both modes: a folder the fleet wrote holds the job file and the
// shards' checksum records the embedded mode writes, so the CLI's rerun, verification and
// retry-failed work on it; and the fleet counts a shard done only while its files verify, so a
// job resubmitted after its folder was deleted is downloaded again.
import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm, truncate } from "node:fs/promises";
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
