import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { connectBus, type Bus } from "@laion-dl/bus";
import { startNatsServer, type NatsServerProcess } from "@laion-dl/testing";
import { startAssemblerWorker } from "./mod.ts";

let nats: NatsServerProcess;
let bus: Bus;

before(async () => {
  nats = await startNatsServer();
  bus = await connectBus({ servers: nats.url, name: "worker-test" });
});

after(async () => {
  await bus.close();
  await nats.stop();
});

test("assembler-worker: saturated stages shrink the window, relaxed ones let it grow back, and drain stops it", async () => {
  const worker = await startAssemblerWorker({
    bus,
    durable: "worker-test",
    dataRoot: undefined,
    ackWaitMs: 5_000,
    maxShards: 1,
    window: 64,
    maxDeliveries: 5,
    stagesFor: () => {
      throw new Error("no shard is queued in this test");
    },
    log: () => {},
  });
  const advert = (instance: string, inFlight: number) => ({ service: "fetcher" as const, instance, inFlight, capacity: 100, atEpochMs: Date.now() });
  assert.equal(worker.status().windowSize, 64);
  worker.observeSaturation(advert("a", 100));
  worker.observeSaturation(advert("b", 95));
  assert.equal(worker.status().windowSize, 36, "two saturated fetchers: 64 → 48 → 36");
  worker.observeSaturation(advert("a", 10));
  assert.equal(worker.status().windowSize, 44, "fleet load 52 %: grows by 8");
  for (let i = 0; i < 10; i++) worker.observeSaturation(advert("b", 0));
  assert.equal(worker.status().windowSize, 64, "never above the configured window");
  assert.deepEqual(await worker.drain(1_000), { finished: [], handedBack: [] });
  assert.equal(worker.status().state, "stopped");
});
