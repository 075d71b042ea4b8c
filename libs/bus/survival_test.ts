import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { test } from "node:test";
import { startNatsServer, waitFor } from "@laion-dl/testing";
import { connectBus } from "./mod.ts";

test("bus: queued units, KV values, published policies and the connection survive a nats-server crash and restart", async () => {
  const server = await startNatsServer();
  const bus = await connectBus({ servers: server.url, name: "survivor", streamPrefix: "SURVIVAL" });
  try {
    const consumer = await bus.workQueue.consume({ durable: "assemblers", ackWaitMs: 10_000 });
    await bus.workQueue.publish({ jobId: "job-1", shardId: 0, rowCount: 10 });
    await bus.workQueue.publish({ jobId: "job-1", shardId: 1, rowCount: 10 });
    await bus.jobs.put("job-1", { status: "running", shards: 3 });
    await bus.inputs.put("job-1", 1, [{ url: "http://images.example/1.jpg", caption: "before the crash" }]);
    const withdraw = await bus.policies.advertise("fetcher f-1", { limit_timeout: 20 }, () => {});
    const held = await consumer.next();
    assert.equal(held?.unit.shardId, 0);

    await server.kill();
    await waitFor(() => !bus.connected);
    await server.restart();
    await waitFor(() => bus.connected);

    await held?.ack(); // a shard being assembled through the restart is acked afterwards
    const lease = await consumer.next(AbortSignal.timeout(8000));
    assert.deepEqual(lease?.unit, { jobId: "job-1", shardId: 1, rowCount: 10 });
    await lease?.ack();
    assert.deepEqual(await bus.jobs.get("job-1"), { status: "running", shards: 3 });
    assert.deepEqual(await bus.inputs.get("job-1", 1), [{ url: "http://images.example/1.jpg", caption: "before the crash" }]);
    assert.deepEqual(await bus.policies.list(), [{ source: "fetcher f-1", policy: { limit_timeout: 20 } }]);
    await withdraw();
    assert.deepEqual(await bus.policies.list(), []);

    // A pull waiting through a second crash gets a unit published once the server is back.
    const waiting = consumer.next(AbortSignal.timeout(10_000));
    await server.kill();
    await server.restart();
    await waitFor(() => bus.connected);
    await bus.workQueue.publish({ jobId: "job-1", shardId: 2, rowCount: 10 });
    const after = await waiting;
    assert.equal(after?.unit.shardId, 2);
    await after?.ack();
    assert.equal(await bus.workQueue.outstanding(), 0);
    await consumer.close();
  } finally {
    await bus.close();
    await server.stop();
  }
});

test("bus: connectBus waits for a server that is still starting, and gives up after connectTimeoutMs", async () => {
  const server = await startNatsServer();
  await server.stop();
  const started = Date.now();
  await assert.rejects(connectBus({ servers: server.url, name: "early", connectTimeoutMs: 300 }), { name: "BusError", message: /within 300 ms/ });
  assert.ok(Date.now() - started < 2000);

  const connecting = connectBus({ servers: server.url, name: "early", streamPrefix: "LATE", connectTimeoutMs: 5000 });
  await sleep(300);
  await server.restart();
  const bus = await connecting;
  assert.equal(bus.connected, true);
  await bus.close();
  assert.equal(bus.connected, false);
  await server.stop();
});
