import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startNatsServer, type NatsServerProcess } from "@laion-dl/testing";
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

test("bus: a bad KV key is a BusError", async () => {
  await assert.rejects(bus.jobs.put("has space", {}), { name: "BusError", message: /writing KV_jobs\/has space/ });
});
