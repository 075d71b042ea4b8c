import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { after, before, test } from "node:test";
import { type NatsServerProcess, startNatsServer, waitFor } from "@laion-dl/testing";
import { connectBus, createLocalSignals, type Bus, type HostBackoffSignal, type SaturationAdvert, type Signals } from "./mod.ts";

let server: NatsServerProcess;
let publisherBus: Bus;
let subscriberBus: Bus;
before(async () => {
  server = await startNatsServer();
  publisherBus = await connectBus({ servers: server.url, name: "fetcher-1", streamPrefix: "SIGNALS" });
  subscriberBus = await connectBus({ servers: server.url, name: "assembler-1", streamPrefix: "SIGNALS" });
});
after(async () => {
  await Promise.all([publisherBus.close(), subscriberBus.close()]);
  await server.stop();
});

interface Wiring {
  name: string;
  publisher: () => Signals;
  subscriber: () => Signals;
  /** Resolves once a subscription made on the subscriber side is live. */
  settle: () => Promise<void>;
}

const wirings: Wiring[] = [
  {
    name: "across two NATS connections",
    publisher: () => publisherBus.signals,
    subscriber: () => subscriberBus.signals,
    // A JetStream request round trip: the server has then processed the SUB sent before it.
    settle: async () => void (await subscriberBus.jobs.get("settle")),
  },
  (() => {
    const local = createLocalSignals();
    return { name: "in-process (createLocalSignals)", publisher: () => local, subscriber: () => local, settle: async () => {} };
  })(),
];

const backoff: HostBackoffSignal = { host: "images.example", untilEpochMs: 1_700_000_000_000, source: "fetcher-1" };
const advert: SaturationAdvert = { service: "transformer", instance: "transformer-0", inFlight: 31, capacity: 32, atEpochMs: 1_700_000_000_000 };

for (const wiring of wirings) {
  test(`bus: backoff and saturation signals reach handlers until unsubscribed, ${wiring.name}`, async () => {
    const backoffs: HostBackoffSignal[] = [];
    const adverts: SaturationAdvert[] = [];
    const stopBackoff = wiring.subscriber().onBackoff((signal) => backoffs.push(signal));
    const stopSaturation = wiring.subscriber().onSaturation((signal) => adverts.push(signal));
    await wiring.settle();

    wiring.publisher().publishBackoff(backoff);
    wiring.publisher().publishSaturation(advert);
    assert.deepEqual(backoffs, [], "handlers run after publish returns");
    await waitFor(() => backoffs.length === 1 && adverts.length === 1);
    assert.deepEqual(backoffs, [backoff]);
    assert.deepEqual(adverts, [advert]);

    stopBackoff();
    await wiring.settle();
    wiring.publisher().publishBackoff({ ...backoff, host: "after.example" });
    wiring.publisher().publishSaturation({ ...advert, inFlight: 0 });
    await waitFor(() => adverts.length === 2);
    await sleep(50);
    assert.deepEqual(backoffs, [backoff], "no signal after unsubscribing");
    stopSaturation();
  });

  test(`bus: a malformed signal is refused, ${wiring.name}`, () => {
    assert.throws(() => wiring.publisher().publishBackoff({ host: "x" } as HostBackoffSignal), TypeError);
    assert.throws(() => wiring.publisher().publishSaturation({ ...advert, service: "assembler" } as unknown as SaturationAdvert), TypeError);
  });
}
