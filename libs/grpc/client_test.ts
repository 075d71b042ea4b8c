import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import { status, type ServiceError } from "@grpc/grpc-js";
import { DEFAULT_MAX_MESSAGE_BYTES } from "./channel-options.ts";
import { createClient, waitForReady } from "./client.ts";
import { clientTarget, GrpcTargetError } from "./client-target.ts";
import { GrpcStatusError } from "./errors.ts";
import { loadContracts } from "./contracts.ts";
import type { FetchServiceClient } from "./generated/laion_dl/v1/FetchService.ts";
import type { TransformServiceClient } from "./generated/laion_dl/v1/TransformService.ts";
import { startGrpcServer } from "./server.ts";
import { callStream, echoFetch, echoTransform } from "./test-helpers.ts";

const options = { maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES };

const TARGETS: readonly { name: string; addresses: string | readonly string[]; target: string }[] = [
  { name: "one host:port", addresses: "fetcher:50051", target: "fetcher:50051" },
  {
    name: "a dns:/// target (headless Service)",
    addresses: "dns:///fetcher.laion.svc.cluster.local:50051",
    target: "dns:///fetcher.laion.svc.cluster.local:50051",
  },
  { name: "an ipv4: target", addresses: "ipv4:10.0.0.1:1,10.0.0.2:2", target: "ipv4:10.0.0.1:1,10.0.0.2:2" },
  { name: "a list of IPv4 addresses", addresses: ["127.0.0.1:1", "127.0.0.1:2"], target: "ipv4:127.0.0.1:1,127.0.0.1:2" },
  { name: "a comma-separated string", addresses: " 127.0.0.1:1, 127.0.0.1:2 ", target: "ipv4:127.0.0.1:1,127.0.0.1:2" },
  { name: "IPv6 addresses", addresses: ["[::1]:1", "[::1]:2"], target: "ipv6:[::1]:1,[::1]:2" },
  { name: "a one-element list", addresses: ["localhost:7"], target: "localhost:7" },
];

for (const { name, addresses, target } of TARGETS) {
  test(`grpc: clientTarget of ${name}`, () => assert.equal(clientTarget(addresses), target));
}

test("grpc: clientTarget refuses what no single target can name", () => {
  assert.throws(() => clientTarget(["a:1", "b:2"]), GrpcTargetError);
  assert.throws(() => clientTarget(["127.0.0.1:1", "[::1]:2"]), /one family/);
  assert.throws(() => clientTarget([]), /at least one/);
});

test("grpc: waitForReady rejects with UNAVAILABLE when nothing listens", async () => {
  const contracts = await loadContracts();
  const server = await startGrpcServer({ host: "127.0.0.1", ...options, services: [] });
  const address = server.address;
  await server.shutdown(100); // a port that was free a moment ago and is closed now
  const client = createClient<FetchServiceClient>(contracts.fetch, address, options);
  try {
    await assert.rejects(waitForReady(client, 200), (error: GrpcStatusError) => error.code === status.UNAVAILABLE && /within 200 ms/.test(error.message));
  } finally {
    client.close();
  }
});

test("grpc: a 20 MB image crosses a bidi stream both ways", async () => {
  const contracts = await loadContracts();
  const server = await startGrpcServer({ host: "127.0.0.1", ...options, services: [{ definition: contracts.transform, implementation: echoTransform }] });
  const client = createClient<TransformServiceClient>(contracts.transform, server.address, options);
  try {
    const image = randomBytes(20 * 1024 * 1024);
    const [response, ...rest] = await callStream(client.Transform(), [{ id: 1, image, options: { image_size: 256 } }]);
    assert.equal(rest.length, 0);
    assert.equal(response?.result, "image");
    assert.equal(response.image?.width, 256);
    assert.ok(response.image?.data.equals(image), "the bytes came back intact");
  } finally {
    client.close();
    assert.equal(await server.shutdown(2000), "graceful");
  }
});

test("grpc: maxMessageBytes is enforced on send and on receive", async () => {
  const contracts = await loadContracts();
  const small = { maxMessageBytes: 1024 * 1024 };
  const server = await startGrpcServer({ host: "127.0.0.1", ...small, services: [{ definition: contracts.transform, implementation: echoTransform }] });
  const tooBig = { id: 1, image: Buffer.alloc(2 * 1024 * 1024) };
  const sendLimited = createClient<TransformServiceClient>(contracts.transform, server.address, small);
  const receiveLimited = createClient<TransformServiceClient>(contracts.transform, server.address, options);
  try {
    const exhausted = (error: ServiceError): boolean => error.code === status.RESOURCE_EXHAUSTED;
    await assert.rejects(callStream(sendLimited.Transform(), [tooBig]), exhausted); // refused by the client
    await assert.rejects(callStream(receiveLimited.Transform(), [tooBig]), exhausted); // refused by the server
  } finally {
    sendLimited.close();
    receiveLimited.close();
    assert.equal(await server.shutdown(2000), "graceful");
  }
});

test("grpc: round robin spreads calls over two servers and keeps going when one shuts down", async () => {
  const contracts = await loadContracts();
  const fetchA = echoFetch();
  const fetchB = echoFetch();
  const a = await startGrpcServer({ host: "127.0.0.1", ...options, services: [{ definition: contracts.fetch, implementation: fetchA.handlers }] });
  const b = await startGrpcServer({ host: "127.0.0.1", ...options, services: [{ definition: contracts.fetch, implementation: fetchB.handlers }] });
  const client = createClient<FetchServiceClient>(contracts.fetch, [a.address, b.address], options);
  // One stream per call: round robin picks a server per call (per stream), not per message.
  const fetchOne = async (id: number): Promise<void> => {
    const responses = await callStream(client.Fetch(), [{ id, url: `u${id}` }]);
    assert.deepEqual(
      responses.map((r) => r.id),
      [id],
    );
  };
  try {
    await waitForReady(client, 2000);
    for (let id = 1; id <= 20; id++) await fetchOne(id);
    assert.equal(fetchA.served() + fetchB.served(), 20);
    assert.ok(fetchA.served() >= 5 && fetchB.served() >= 5, `spread ${fetchA.served()} / ${fetchB.served()}`);

    assert.equal(await a.shutdown(2000), "graceful");
    const servedByA = fetchA.served();
    const servedByB = fetchB.served();
    for (let id = 21; id <= 30; id++) await fetchOne(id);
    assert.equal(fetchA.served(), servedByA);
    assert.equal(fetchB.served(), servedByB + 10);
  } finally {
    client.close();
    await a.shutdown(100);
    assert.equal(await b.shutdown(2000), "graceful");
  }
});
