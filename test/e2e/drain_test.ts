// Drain with shards in flight: every shard the assembler holds is either finished or handed back
// (its journal kept), the drained assembler holds nothing, and the job, finished by another
// assembler, has the embedded run's bytes.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { after, before, test } from "node:test";
import { parseDownloadOptions } from "@laion-dl/config";
import {
  createClient,
  DEFAULT_MAX_MESSAGE_BYTES,
  loadContracts,
  type AssemblerServiceClient,
  type AssemblerStatus__Output,
  type DrainResponse__Output,
} from "@laion-dl/grpc";
import { writeManifest } from "@laion-dl/manifest";
import { runDownload } from "@laion-dl/pipeline";
import { imagePath, startFixtureServer, startNatsServer, type FixtureServer, type NatsServerProcess } from "@laion-dl/testing";
import { startFleet, type Fleet } from "../helpers/fleet.ts";
import { startService } from "../helpers/services.ts";
import { outputDigests } from "../helpers/shards.ts";

let nats: NatsServerProcess;
let fixture: FixtureServer;
let fleet: Fleet;
let work: string;
let manifest: string;

const job = (output: string) => ({
  input_format: "json",
  output_folder: output,
  image_size: "48",
  number_sample_per_shard: "8",
  thread_count: "2",
  allow_private_network: "True",
});

before(async () => {
  nats = await startNatsServer();
  fixture = await startFixtureServer();
  work = await mkdtemp(join(tmpdir(), "laion-dl-drain-"));
  manifest = join(work, "rows.json");
  // Each row answers after a second and two are in flight per job: a shard takes about four.
  const rows = Array.from({ length: 24 }, (_, i) => ({
    url: `${fixture.baseUrl}/slow/1000${imagePath({ kind: "photo", seed: 950 + i, width: 60, height: 40, format: "jpg" })}`,
  }));
  await writeManifest(manifest, rows, "json");
  fleet = await startFleet(nats.url);
});

after(async () => {
  await fleet?.stop();
  await fixture?.close();
  await nats?.stop();
  await rm(work, { recursive: true, force: true });
});

test("drain: shards in flight are finished or handed back, and another assembler ends the job with the embedded bytes", async () => {
  const [fetcher, transformer, assembler] = fleet.services;
  const client = createClient<AssemblerServiceClient>((await loadContracts()).assembler, assembler!.address, { maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES });
  const status = () =>
    new Promise<AssemblerStatus__Output>((resolve, reject) => client.GetStatus({}, (error, response) => (error ? reject(error) : resolve(response!))));
  const output = join(work, "fleet");
  const jobId = await fleet.submit(manifest, job(output));
  let held: AssemblerStatus__Output;
  for (;;) {
    held = await status();
    if (held.shards.some((shard) => shard.rows_done > 0 && shard.rows_done < shard.rows_total - 2)) break;
    await sleep(50);
  }
  const inFlight = held.shards.map((shard) => shard.shard_id).sort();
  const drained = await new Promise<DrainResponse__Output>((resolve, reject) =>
    client.Drain({ grace_seconds: 0 }, (error, response) => (error ? reject(error) : resolve(response!))),
  );
  const accounted = [...drained.finished_shards, ...drained.handed_back_shards].sort();
  const events = () =>
    assembler!.log
      .filter((line) => String(line.event).startsWith("shard"))
      .map((line) => JSON.stringify(line))
      .join("\n");
  for (const shardId of inFlight)
    assert.ok(accounted.includes(shardId), `shard ${shardId} was in flight (${JSON.stringify(held)}): ${JSON.stringify(drained)}\n${events()}`);
  assert.ok(drained.handed_back_shards.length > 0, `a shard was cut short: ${JSON.stringify(drained)}`);
  client.close();
  // Drained, the assembler exits for its orchestrator to replace (it takes nothing more)...
  assert.equal(await assembler!.exited, 0);

  // ...and another one finishes the job from the journals.
  const replacement = await startService("assembler", {
    nats_url: nats.url,
    fetcher_addresses: fetcher!.address,
    transformer_addresses: transformer!.address,
    ack_wait_ms: "3000",
    grace_ms: "5000",
  });
  try {
    const done = await fleet.waitForJob(jobId);
    assert.deepEqual([done.state, done.shards_done, done.samples_done], ["done", 3, 24]);
  } finally {
    await replacement.kill("SIGKILL");
  }
  const embedded = join(work, "embedded");
  await runDownload(parseDownloadOptions({ url_list: manifest, ...job(embedded) }));
  assert.deepEqual(await outputDigests(output), await outputDigests(embedded));
});
