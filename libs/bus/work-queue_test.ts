import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startNatsServer, type NatsServerProcess } from "@laion-dl/testing";
import { connectBus, type Bus, type WorkLease } from "./mod.ts";

let server: NatsServerProcess;
const buses: Bus[] = [];
before(async () => {
  server = await startNatsServer();
});
after(async () => {
  await Promise.all(buses.map((bus) => bus.close()));
  await server.stop();
});

/** Two buses (two assemblers' connections) on a prefix of their own. */
async function twoBuses(streamPrefix: string): Promise<[Bus, Bus]> {
  const pair = await Promise.all(["a", "b"].map((name) => connectBus({ servers: server.url, name, streamPrefix })));
  buses.push(...pair);
  return pair as [Bus, Bus];
}

const unit = (shardId: number) => ({ jobId: "job-1", shardId, rowCount: 10 });

test("bus: units on one durable go to one consumer each, exactly once, duplicates dropped", async () => {
  const [a, b] = await twoBuses("ONCE");
  for (let shardId = 0; shardId < 5; shardId++) await a.workQueue.publish(unit(shardId));
  await b.workQueue.publish(unit(3)); // a re-submitted job: same msgID within the dedupe window
  const options = { durable: "assemblers", ackWaitMs: 10_000 };
  const [first, second] = await Promise.all([a.workQueue.consume(options), b.workQueue.consume(options)]);

  const taken: { by: string; lease: WorkLease }[] = [];
  while (taken.length < 5) {
    const round = await Promise.all([first.next(AbortSignal.timeout(1000)), second.next(AbortSignal.timeout(1000))]);
    round.forEach((lease, i) => lease && taken.push({ by: i === 0 ? "first" : "second", lease }));
    if (round.every((lease) => lease === null)) break;
  }
  assert.deepEqual(taken.map(({ lease }) => lease.unit.shardId).sort(), [0, 1, 2, 3, 4]);
  assert.ok(taken.some(({ by }) => by === "first") && taken.some(({ by }) => by === "second"), "both consumers got work");
  assert.ok(taken.every(({ lease }) => lease.deliveryCount === 1));
  await Promise.all(taken.map(({ lease }) => lease.ack()));

  assert.equal(await first.next(AbortSignal.timeout(500)), null);
  assert.equal(await a.workQueue.outstanding(), 0);
  await Promise.all([first.close(), second.close()]);
});

test("bus: an unacked unit is redelivered after ack_wait, working() holds it, nak() frees it", async () => {
  const [a, b] = await twoBuses("REDELIVER");
  const options = { durable: "assemblers", ackWaitMs: 1000 };
  const [first, second] = await Promise.all([a.workQueue.consume(options), b.workQueue.consume(options)]);

  await a.workQueue.publish(unit(0));
  const crashed = await first.next();
  assert.equal(crashed?.deliveryCount, 1);
  const started = Date.now();
  const redelivered = await second.next(AbortSignal.timeout(3000));
  assert.deepEqual(redelivered?.unit, unit(0));
  assert.equal(redelivered?.deliveryCount, 2);
  assert.ok(Date.now() - started >= 800, `redelivered after ${Date.now() - started} ms, before ack_wait`);
  await redelivered?.ack();

  await a.workQueue.publish(unit(1));
  const busy = await first.next();
  assert.ok(busy);
  const heartbeat = setInterval(() => busy.working(), 300);
  try {
    assert.equal(await second.next(AbortSignal.timeout(2500)), null, "working() kept the unit from being redelivered");
  } finally {
    clearInterval(heartbeat);
  }
  busy.nak();
  const handedBack = Date.now();
  const retaken = await second.next(AbortSignal.timeout(900));
  assert.equal(retaken?.unit.shardId, 1);
  assert.equal(retaken?.deliveryCount, 2, "the nak'ed unit went straight to the waiting consumer");
  assert.ok(Date.now() - handedBack < 900);
  await retaken?.ack();
  await Promise.all([first.close(), second.close()]);
});

test("bus: outstanding() counts pending and unacked units until they are acked", async () => {
  const [a] = await twoBuses("OUTSTANDING");
  for (let shardId = 0; shardId < 3; shardId++) await a.workQueue.publish(unit(shardId));
  assert.equal(await a.workQueue.outstanding(), 3);
  const consumer = await a.workQueue.consume({ durable: "assemblers", ackWaitMs: 10_000 });
  const leases = [await consumer.next(), await consumer.next()];
  assert.equal(await a.workQueue.outstanding(), 3, "taken but unacked units still count");
  await leases[0]?.ack();
  assert.equal(await a.workQueue.outstanding(), 2);
  await leases[1]?.ack();
  await (await consumer.next())?.ack();
  assert.equal(await a.workQueue.outstanding(), 0);
  await assert.rejects(leases[0]!.ack(), { name: "BusError", message: /already acknowledged/ });
  await consumer.close();
});

test("bus: next() returns null once aborted or closed, without losing a unit", async () => {
  const [a] = await twoBuses("ABORT");
  const consumer = await a.workQueue.consume({ durable: "assemblers", ackWaitMs: 10_000 });
  const aborter = new AbortController();
  const waiting = consumer.next(aborter.signal);
  const closedWaiting = consumer.next();
  aborter.abort();
  assert.equal(await waiting, null);
  await consumer.close();
  assert.equal(await closedWaiting, null);
  assert.equal(await consumer.next(), null);

  await a.workQueue.publish(unit(7));
  const again = await a.workQueue.consume({ durable: "assemblers", ackWaitMs: 10_000 });
  const lease = await again.next(AbortSignal.timeout(1000));
  assert.equal(lease?.unit.shardId, 7, "the aborted pulls did not swallow the unit");
  await lease?.ack();
  await again.close();
});

test("bus: bad work unit fields are refused before publishing", async () => {
  const [a] = await twoBuses("INVALID");
  await assert.rejects(a.workQueue.publish({ jobId: "has.dot", shardId: 0, rowCount: 1 }), RangeError);
  await assert.rejects(a.workQueue.publish({ jobId: "job", shardId: -1, rowCount: 1 }), RangeError);
  await assert.rejects(a.workQueue.publish({ jobId: "job", shardId: 0, rowCount: 1.5 }), RangeError);
  assert.equal(await a.workQueue.outstanding(), 0);
});
