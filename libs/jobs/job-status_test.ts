import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { after, before, test } from "node:test";
import { connectBus, type Bus } from "@laion-dl/bus";
import { startNatsServer, waitFor, type NatsServerProcess } from "@laion-dl/testing";
import { connect, type NatsConnection } from "nats";
import { createJobFollowers, followJob, jobStatus, type JobRecord, type JobStatus, type ShardRecord } from "./mod.ts";

const PREFIX = "STATUS";
let nats: NatsServerProcess;
let bus: Bus;
let raw: NatsConnection;

before(async () => {
  nats = await startNatsServer();
  bus = await connectBus({ servers: nats.url, name: "job-status-test", streamPrefix: PREFIX });
  raw = await connect({ servers: nats.url });
});

after(async () => {
  await raw.close();
  await bus.close();
  await nats.stop();
});

const done = (count: number, successes: number): ShardRecord => ({ status: "done", generation: 1, count, successes, tarSha256: "", parquetSha256: "" });
const parked = (error: string): ShardRecord => ({ status: "parked", generation: 1, deliveries: 5, error });
const queued: ShardRecord = { status: "queued", generation: 1 };

async function putJob(jobId: string, shardsTotal: number, state: JobRecord["state"] = "ingested"): Promise<void> {
  const record: Omit<JobRecord, "options"> = { jobId, state, shardsTotal, error: null };
  await bus.jobs.put(jobId, record);
}

/** The follower is as fresh as the watch: its status must reach the full read's within a moment. */
async function agreesWithFullRead(read: () => Promise<JobStatus | null>, jobId: string): Promise<JobStatus | null> {
  const expected = await jobStatus(bus, jobId);
  const deadline = performance.now() + 5_000;
  for (;;) {
    const seen = await read();
    if (JSON.stringify(seen) === JSON.stringify(expected) || performance.now() > deadline) {
      assert.deepEqual(seen, expected);
      return seen;
    }
    await sleep(20);
  }
}

test("job status: a follower has every shard record replayed by the time it is returned, however many", async () => {
  for (const shards of [0, 1, 3_000]) {
    const jobId = `job-replay-${shards}`;
    await putJob(jobId, shards);
    for (let first = 0; first < shards; first += 500) {
      await Promise.all(
        Array.from({ length: Math.min(500, shards - first) }, (_, i) => bus.shards.put(`${jobId}.${first + i}`, done(10, first + i < 7 ? 9 : 10))),
      );
    }
    const progress = await followJob(bus, jobId);
    // No waiting here: the replay must be complete when followJob resolves.
    assert.deepEqual(await progress.status(), await jobStatus(bus, jobId));
    assert.deepEqual(await progress.status(), {
      jobId,
      state: "done",
      shardsTotal: shards,
      shardsDone: shards,
      samplesDone: 10 * shards,
      successes: 10 * shards - Math.min(shards, 7),
      error: null,
    });
    progress.stop();
    await progress.ended;
  }
});

test("job status: a follower keeps up with shards finishing, written again, parked and deleted, as a full read sees them", async () => {
  const jobId = "job-follow";
  await putJob(jobId, 4, "ingesting");
  await bus.shards.put(`${jobId}.0`, queued);
  await bus.shards.put(`${jobId}.1`, done(10, 8));
  await bus.shards.put("job-follow2.0", done(99, 99)); // another job whose id starts the same
  const progress = await followJob(bus, jobId);
  assert.equal((await progress.status())?.state, "ingesting");
  assert.equal((await progress.status())?.samplesDone, 10);

  await putJob(jobId, 4);
  await bus.shards.put(`${jobId}.0`, done(10, 10));
  await bus.shards.put(`${jobId}.2`, done(10, 1));
  let status = await agreesWithFullRead(() => progress.status(), jobId);
  assert.deepEqual([status?.state, status?.shardsDone, status?.samplesDone, status?.successes], ["running", 3, 30, 19]);

  // A shard queued again (its files were lost) no longer counts; done once more, with its new figures.
  await bus.shards.put(`${jobId}.1`, queued);
  status = await agreesWithFullRead(() => progress.status(), jobId);
  assert.deepEqual([status?.shardsDone, status?.samplesDone, status?.successes], [2, 20, 11]);
  await bus.shards.put(`${jobId}.1`, done(7, 7));
  await bus.shards.put(`${jobId}.3`, parked("boom"));
  await bus.shards.put(`${jobId}.10`, parked("bang")); // "10" < "3" in key order: the first parked shard named
  status = await agreesWithFullRead(() => progress.status(), jobId);
  assert.deepEqual([status?.state, status?.shardsDone, status?.samplesDone, status?.error], ["failed", 3, 27, "shard 10 parked after 5 deliveries: bang"]);

  const kv = await raw.jetstream().views.kv(`${PREFIX}_shards`);
  await kv.delete(`${jobId}.10`);
  await kv.purge(`${jobId}.0`);
  status = await agreesWithFullRead(() => progress.status(), jobId);
  assert.deepEqual([status?.state, status?.shardsDone, status?.samplesDone, status?.error], ["failed", 2, 17, "shard 3 parked after 5 deliveries: boom"]);
  progress.stop();
  await progress.ended;
});

test("job status: GetJob's followers start only for jobs that exist and stop once nobody asks", async () => {
  const followers = createJobFollowers(bus, { idleMs: 300 });
  // The watches on one job's records (other tests' stopped watches linger on the server a while).
  const watching = async (jobId: string) => {
    const listed = await (await raw.jetstreamManager()).consumers.list(`KV_${PREFIX}_shards`).next();
    // A consumer the server drops while it lists them comes back as null.
    return listed.filter((consumer) => consumer?.config.filter_subject === `$KV.${PREFIX}_shards.${jobId}.>`).length;
  };
  try {
    assert.equal(await followers.status("job-none"), null);
    assert.equal(await watching("job-none"), 0, "no watch for a job that does not exist");

    await putJob("job-asked", 2);
    await bus.shards.put("job-asked.0", done(5, 4));
    const [first, second] = await Promise.all([followers.status("job-asked"), followers.status("job-asked")]);
    assert.deepEqual(first, second);
    assert.equal(first?.shardsDone, 1);
    assert.equal(await watching("job-asked"), 1, "one watch however many ask at once");
    await bus.shards.put("job-asked.1", done(5, 5));
    const status = await agreesWithFullRead(() => followers.status("job-asked"), "job-asked");
    assert.equal(status?.state, "done");

    // Idle past idleMs: the watch is stopped (the server drops its consumer), and a later call follows afresh.
    const deadline = performance.now() + 15_000;
    while ((await watching("job-asked")) > 0 && performance.now() < deadline) await sleep(100);
    assert.equal(await watching("job-asked"), 0, "the idle follower's consumer is gone");
    assert.equal((await followers.status("job-asked"))?.successes, 9);
    assert.equal(await watching("job-asked"), 1);
  } finally {
    followers.close();
  }
});

test("job status: a follower keeps following through a nats-server crash and restart", async () => {
  const server = await startNatsServer();
  const survivor = await connectBus({ servers: server.url, name: "job-status-survivor", streamPrefix: "SURVIVE" });
  try {
    const record: Omit<JobRecord, "options"> = { jobId: "job-survive", state: "ingested", shardsTotal: 2, error: null };
    await survivor.jobs.put("job-survive", record);
    await survivor.shards.put("job-survive.0", done(10, 9));
    const progress = await followJob(survivor, "job-survive");
    assert.equal((await progress.status())?.shardsDone, 1);

    await server.kill();
    await waitFor(() => !survivor.connected);
    await server.restart();
    await waitFor(() => survivor.connected);

    await survivor.shards.put("job-survive.1", done(10, 10));
    // Written after the restart: the first status after it must see it, not the figures from before the crash.
    assert.equal((await progress.status())?.state, "done");
    assert.deepEqual(await progress.status(), await jobStatus(survivor, "job-survive"));
    progress.stop();
    await progress.ended;
  } finally {
    await survivor.close();
    await server.stop();
  }
});
