import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { after, before, test } from "node:test";
import { connectBus, type Bus } from "@laion-dl/bus";
import { parseDownloadOptions } from "@laion-dl/config";
import { writeManifest } from "@laion-dl/manifest";
import { startNatsServer, type NatsServerProcess } from "@laion-dl/testing";
import { ingestJob, jobIdOf, jobStatus } from "./mod.ts";

let nats: NatsServerProcess;
let bus: Bus;
let work: string;

before(async () => {
  nats = await startNatsServer();
  bus = await connectBus({ servers: nats.url, name: "ingest-test" });
  work = await mkdtemp(join(tmpdir(), "laion-dl-ingest-"));
});

after(async () => {
  await bus.close();
  await nats.stop();
  await rm(work, { recursive: true, force: true });
});

test("ingest: pauses while the fleet's backlog is full, resumes as shards are acked", async () => {
  const manifest = join(work, "rows.jsonl");
  await writeManifest(
    manifest,
    Array.from({ length: 50 }, (_, i) => ({ caption: `c${i}`, url: `http://127.0.0.1/${i}.jpg` })),
    "jsonl",
  );
  const options = parseDownloadOptions({
    url_list: manifest,
    input_format: "jsonl",
    caption_col: "caption",
    output_folder: join(work, "out"),
    number_sample_per_shard: "10",
  });
  const published: number[] = [];
  const ingest = ingestJob(bus, options, { maxOutstanding: 2, onShardPublished: (id) => published.push(id) });
  await sleep(1_000);
  assert.deepEqual(published, [0, 1], "two shards outstanding: ingest waits");
  assert.equal((await jobStatus(bus, jobIdOf(options)))?.state, "ingesting");

  const consumer = await bus.workQueue.consume({ durable: "ingest-test", ackWaitMs: 30_000 });
  for (let taken = 0; taken < 5; taken++) {
    const lease = await consumer.next();
    assert.ok(lease);
    assert.equal(lease.unit.shardId, taken);
    assert.equal(lease.unit.rowCount, 10);
    const rows = (await bus.inputs.get(lease.unit.jobId, lease.unit.shardId)) as Array<{ row: number; caption: string }>;
    assert.deepEqual(
      rows.map((row) => row.caption),
      Array.from({ length: 10 }, (_, i) => `c${taken * 10 + i}`),
    );
    await lease.ack();
  }
  const result = await ingest;
  await consumer.close();
  assert.deepEqual([result.shardsTotal, result.shardsPublished, published], [5, 5, [0, 1, 2, 3, 4]]);
  const status = await jobStatus(bus, result.jobId);
  assert.deepEqual([status?.state, status?.shardsTotal, status?.shardsDone], ["running", 5, 0]);
});

test("ingest: a broken manifest marks the job failed with the byte offset, after publishing the shards before it", async () => {
  const manifest = join(work, "broken.json");
  const { writeFile } = await import("node:fs/promises");
  const good = Array.from({ length: 12 }, (_, i) => JSON.stringify({ caption: `c${i}`, url: `http://127.0.0.1/${i}.jpg` }));
  await writeFile(manifest, `[${good.join(",")},{"caption": "cut`);
  const options = parseDownloadOptions({ url_list: manifest, input_format: "json", output_folder: join(work, "broken-out"), number_sample_per_shard: "10" });
  const published: number[] = [];
  await assert.rejects(ingestJob(bus, options, { maxOutstanding: 100, onShardPublished: (id) => published.push(id) }), {
    name: "ManifestError",
  });
  assert.deepEqual(published, [0]);
  const status = await jobStatus(bus, jobIdOf(options));
  assert.equal(status?.state, "failed");
  assert.match(status?.error ?? "", /at byte \d+/);
});

test("job id: one job, one identity whatever its speed options; a byte-shaping option or another folder is another job", () => {
  const job = (extra: Record<string, string>) => jobIdOf(parseDownloadOptions({ url_list: "/data/rows.json", output_folder: "/data/out", ...extra }));
  assert.equal(job({ thread_count: "8", processes_count: "2" }), job({ thread_count: "512", processes_count: "64" }));
  assert.notEqual(job({ timeout: "3" }), job({}));
  assert.notEqual(job({ user_agent_token: "img2dataset" }), job({}));
  assert.notEqual(job({ output_folder: "/data/other" }), job({}));
});
