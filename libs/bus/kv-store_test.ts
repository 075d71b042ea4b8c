import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startNatsServer, type NatsServerProcess } from "@laion-dl/testing";
import { connect } from "nats";
import { createKvStore } from "./kv-store.ts";
import { connectBus, type Bus } from "./mod.ts";

let server: NatsServerProcess;
let bus: Bus;
before(async () => {
  server = await startNatsServer();
  bus = await connectBus({ servers: server.url, name: "kv-test", streamPrefix: "KV" });
});
after(async () => {
  await bus.close();
  await server.stop();
});

test("bus: KV create is exclusive and put overwrites", async () => {
  assert.equal(await bus.shards.create("job-1.0", { status: "assembling", owner: "a" }), true);
  assert.equal(await bus.shards.create("job-1.0", { status: "assembling", owner: "b" }), false);
  assert.deepEqual(await bus.shards.get("job-1.0"), { status: "assembling", owner: "a" });
  await bus.shards.put("job-1.0", { status: "done", tarSha256: "ab".repeat(32), successes: 9_998 });
  assert.deepEqual(await bus.shards.get("job-1.0"), { status: "done", tarSha256: "ab".repeat(32), successes: 9_998 });
  assert.equal(await bus.shards.get("job-1.1"), null);
});

test("bus: KV keys lists by prefix", async () => {
  for (const key of ["job-7.0", "job-7.1", "job-70.0", "other"]) await bus.jobs.put(key, { key });
  assert.deepEqual(await bus.jobs.keys("job-7."), ["job-7.0", "job-7.1"]);
  assert.deepEqual(await bus.jobs.keys("job-7"), ["job-7.0", "job-7.1", "job-70.0"]);
  assert.deepEqual(await bus.jobs.keys(), ["job-7.0", "job-7.1", "job-70.0", "other"]);
  assert.deepEqual(await bus.jobs.keys("none."), []);
});

test("bus: KV entries reads each key's last value by prefix in one pass", async () => {
  for (let i = 0; i < 300; i++) await bus.shards.put(`job-8.${i}`, { status: "assembling", i });
  await bus.shards.put("job-8.7", { status: "done", i: 7 }); // the later revision wins
  await bus.shards.put("job-80.0", { status: "done", i: 0 });
  const entries = await bus.shards.entries("job-8.");
  assert.equal(entries.size, 300);
  assert.deepEqual(entries.get("job-8.7"), { status: "done", i: 7 });
  assert.deepEqual(entries.get("job-8.299"), { status: "assembling", i: 299 });
  assert.equal(entries.has("job-80.0"), false);
  assert.equal((await bus.shards.entries("job-8")).size, 301); // no dot: job-80.0 too, filtered here
  assert.deepEqual(await bus.shards.entries("none."), new Map());
});

test("bus: KV entries leaves out deleted keys", async () => {
  const nc = await connect({ servers: server.url });
  try {
    const kv = await nc.jetstream().views.kv("entries-test");
    const store = createKvStore<{ n: number }>(kv, "entries-test");
    await store.put("job-9.0", { n: 0 });
    await store.put("job-9.1", { n: 1 });
    await kv.delete("job-9.0");
    assert.deepEqual(await store.entries("job-9."), new Map([["job-9.1", { n: 1 }]]));
  } finally {
    await nc.close();
  }
});

test("bus: a bad KV key is a BusError", async () => {
  await assert.rejects(bus.jobs.put("has space", {}), { name: "BusError", message: /writing KV_jobs\/has space/ });
});

test("bus: KV follow has replayed every last value when it resolves, then sees writes and deletes", async () => {
  const nc = await connect({ servers: server.url });
  try {
    const kv = await nc.jetstream().views.kv("follow-test");
    const store = createKvStore<{ n: number }>(kv, "follow-test");
    await store.put("job-50.0", { n: -1 });
    // A short replay arrives before the watch is returned (nats.js then says so out of band), a long one after.
    for (const [job, count] of [
      ["job-4", 3],
      ["job-5", 2_000],
    ] as const) {
      for (let first = 0; first < count; first += 500) {
        await Promise.all(Array.from({ length: Math.min(500, count - first) }, (_, i) => store.put(`${job}.${first + i}`, { n: first + i })));
      }
      const seen = new Map<string, number | null>();
      // Read in the resolution's own callback: nothing may still be queued behind it.
      const { follow, size } = await store.follow(`${job}.`, (key, value) => seen.set(key, value?.n ?? null)).then((follow) => ({ follow, size: seen.size }));
      assert.equal(size, count);
      await store.put(`${job}.1`, { n: 70 });
      await kv.delete(`${job}.2`);
      await store.put(`${job}0.1`, { n: -2 });
      const deadline = performance.now() + 5_000;
      while ((seen.get(`${job}.2`) !== null || seen.get(`${job}.1`) !== 70) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      assert.equal(seen.get(`${job}.1`), 70);
      assert.equal(seen.get(`${job}.2`), null);
      assert.equal(seen.has(`${job}0.1`), false);
      follow.stop();
      await follow.ended;
    }
  } finally {
    await nc.close();
  }
});
