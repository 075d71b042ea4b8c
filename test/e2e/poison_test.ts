// Poison work cannot stall the fleet: a shard that fails on every delivery is parked after a bounded
// number of them (the assemblers' max_deliveries, 5), its job is marked failed naming the shard and
// the error (in GetJob and in `download --nats`), and the jobs after it still run.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { writeManifest } from "@laion-dl/manifest";
import { imagePath, startFixtureServer, startNatsServer, type FixtureServer, type NatsServerProcess } from "@laion-dl/testing";
import { startFleet, type Fleet } from "../helpers/fleet.ts";

let nats: NatsServerProcess;
let fixture: FixtureServer;
let fleet: Fleet;
let work: string;
let manifest: string;

const job = (output: string, timeout: string) => ({
  input_format: "json",
  output_folder: output,
  image_size: "32",
  number_sample_per_shard: "5",
  timeout,
  allow_private_network: "True",
});

before(async () => {
  nats = await startNatsServer();
  fixture = await startFixtureServer();
  work = await mkdtemp(join(tmpdir(), "laion-dl-poison-"));
  manifest = join(work, "rows.json");
  await writeManifest(
    manifest,
    Array.from({ length: 10 }, (_, i) => ({ url: `${fixture.baseUrl}${imagePath({ kind: "photo", seed: 900 + i, width: 40, height: 30, format: "jpg" })}` })),
    "json",
  );
  // The fetchers' policy allows 5 s per download while ingest was given none: every fetch of a job
  // asking for 10 s is refused, so each of its shards fails on every delivery.
  fleet = await startFleet(nats.url, { fetcher: { limit_timeout: "5" } });
});

after(async () => {
  await fleet?.stop();
  await fixture?.close();
  await nats?.stop();
  await rm(work, { recursive: true, force: true });
});

test("poison: shards failing on every delivery are parked after 5, the job fails naming them, and the next job completes", async () => {
  // Submitted together: the poisoned shards hold the assembler's slots until they are parked.
  const poisoned = await fleet.submit(manifest, job(join(work, "poisoned"), "10"));
  const next = await fleet.submit(manifest, job(join(work, "next"), "5"));
  const failed = await fleet.waitForJob(poisoned);
  assert.equal(failed.state, "failed");
  assert.match(
    failed.error,
    /^shard [01] parked after 5 deliveries: RemoteStageError: .*refused by the fetcher: timeout 10 exceeds the fleet's limit 5 \(LAION_DL_LIMIT_TIMEOUT\)$/,
  );

  const done = await fleet.waitForJob(next);
  assert.deepEqual([done.state, done.shards_done, done.samples_done, done.error], ["done", 2, 10, ""]);
});

test("poison: `download --nats` exits with the parked shard and its error", async () => {
  const bin = join(import.meta.dirname, "..", "..", "bin", "laion-dl");
  const flags = Object.entries({ url_list: manifest, ...job(join(work, "cli-poisoned"), "10") }).flatMap(([name, value]) => [`--${name}`, value]);
  const run = promisify(execFile)(bin, ["download", "--nats", nats.url, ...flags], { cwd: work });
  await assert.rejects(run, (error: { code?: number; stderr?: string }) => {
    assert.notEqual(error.code, 0);
    assert.match(error.stderr ?? "", /failed: shard [01] parked after 5 deliveries: RemoteStageError: .*refused by the fetcher: timeout 10 exceeds/);
    return true;
  });
});
