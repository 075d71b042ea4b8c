// Each stage reports NOT_SERVING until what it depends on answers, then SERVING: the fetcher without
// NATS, the transformer without a fetcher (the assembler's case is in distributed_test.ts).
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { test } from "node:test";
import { startNatsServer } from "@laion-dl/testing";
import { freePort, spawnService, startService, waitForHealth } from "../helpers/services.ts";

/** NOT_SERVING now and still a second later: not a moment before readiness. */
async function heldNotServing(service: Awaited<ReturnType<typeof spawnService>>): Promise<void> {
  await waitForHealth(service, "NOT_SERVING");
  await sleep(1_000);
  await waitForHealth(service, "NOT_SERVING", 100);
}

test("health: a fetcher is NOT_SERVING until NATS answers, then SERVING", async () => {
  const nats = await startNatsServer();
  await nats.stop(); // its port is known, nothing answers on it
  const fetcher = await spawnService("fetcher", { nats_url: nats.url });
  try {
    await heldNotServing(fetcher);
    await nats.restart();
    await waitForHealth(fetcher, "SERVING");
    assert.equal(await fetcher.kill("SIGTERM"), 0);
  } finally {
    await fetcher.kill("SIGKILL");
    await nats.stop();
  }
});

test("health: a transformer is NOT_SERVING until a fetcher answers, then SERVING", async () => {
  const nats = await startNatsServer();
  const fetcherPort = await freePort();
  const transformer = await spawnService("transformer", { nats_url: nats.url, fetcher_addresses: `127.0.0.1:${fetcherPort}` });
  try {
    await heldNotServing(transformer);
    const fetcher = await startService("fetcher", { nats_url: nats.url }, { port: fetcherPort });
    try {
      await waitForHealth(transformer, "SERVING");
    } finally {
      await fetcher.kill("SIGTERM");
    }
    assert.equal(await transformer.kill("SIGTERM"), 0);
  } finally {
    await transformer.kill("SIGKILL");
    await nats.stop();
  }
});
