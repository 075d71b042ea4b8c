import assert from "node:assert/strict";
import { test } from "node:test";
import { createFetcher, createFetcherPool, fetcherOptionsOf } from "@laion-dl/fetch";
import { createClient, DEFAULT_MAX_MESSAGE_BYTES, loadContracts, startGrpcServer, type FetchResponse__Output, type FetchServiceClient } from "@laion-dl/grpc";
import { imagePath, startFixtureServer, waitFor } from "@laion-dl/testing";
import { createFetchService } from "./fetch-service.ts";
import { RemoteStageError } from "./errors.ts";
import { createRemoteStages } from "./remote-stages.ts";
import { fetchOptionsToProto } from "./stage-options.ts";
import { FETCHER_OPTIONS, HTTP_OPTIONS, PERMISSIVE_POLICY, startFetcherServer, TRANSFORM_OPTIONS } from "./test-servers.ts";

const PHOTO = imagePath({ kind: "photo", seed: 11, width: 40, height: 30, format: "jpg" });

test("stages: the fetch service bounds downloads over all streams and answers each as it completes", async () => {
  const fixture = await startFixtureServer();
  const contracts = await loadContracts();
  const fetcher = createFetcher(FETCHER_OPTIONS);
  let most = 0;
  const service = createFetchService({
    fetchers: createFetcherPool(() => fetcher),
    policy: PERMISSIVE_POLICY,
    concurrency: 3,
    onActivity: (inFlight) => (most = Math.max(most, inFlight)),
  });
  const server = await startGrpcServer({
    host: "127.0.0.1",
    maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES,
    services: [{ definition: contracts.fetch, implementation: service.handlers }],
  });
  server.stopping.addEventListener("abort", () => void service.drain());
  const client = createClient<FetchServiceClient>(contracts.fetch, server.address, { maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES });
  try {
    await fetcher.fetch(`${fixture.baseUrl}${PHOTO}`); // rendered and cached by the fixture: fast from now on
    // Two streams, four requests each: a slow one first, then fast ones (one of them a 404).
    const options = fetchOptionsToProto(HTTP_OPTIONS);
    const run = (base: number) =>
      new Promise<FetchResponse__Output[]>((resolve, reject) => {
        const call = client.Fetch();
        const responses: FetchResponse__Output[] = [];
        call.on("data", (response: FetchResponse__Output) => responses.push(response));
        call.on("error", reject);
        call.on("end", () => resolve(responses));
        call.write({ id: base + 1, url: `${fixture.baseUrl}/slow/500${PHOTO}`, options });
        call.write({ id: base + 2, url: `${fixture.baseUrl}${PHOTO}`, options });
        call.write({ id: base + 3, url: `${fixture.baseUrl}/status/404`, options });
        call.write({ id: base + 4, url: `${fixture.baseUrl}${PHOTO}`, options });
        call.end();
      });
    const [first, second] = await Promise.all([run(100), run(200)]);
    for (const [base, responses] of [
      [100, first!],
      [200, second!],
    ] as const) {
      assert.deepEqual(responses.map((response) => response.id).sort(), [base + 1, base + 2, base + 3, base + 4], "one answer per request");
      assert.equal(responses.at(-1)!.id, base + 1, "the slow download is answered last, after the ones sent after it");
      const byId = new Map(responses.map((response) => [response.id, response]));
      assert.equal(byId.get(base + 1)!.result, "body");
      assert.deepEqual(byId.get(base + 3)!.failure, { message: "HTTP Error 404: Not Found", retryable: false });
    }
    assert.equal(most, 3, "never more than `concurrency` downloads at once, over both streams");
    assert.equal(service.inFlight(), 0);
  } finally {
    client.close();
    assert.equal(await server.shutdown(2_000), "graceful");
    await fetcher.close();
    await fixture.close();
  }
});

test("stages: a replica shut down gracefully answers its downloads and hands back the requests it had not started", async () => {
  const fixture = await startFixtureServer();
  const a = await startFetcherServer(2);
  const b = await startFetcherServer();
  const stages = createRemoteStages({
    fetcherAddresses: [a.server.address, b.server.address],
    transformerAddresses: "127.0.0.1:1",
    transform: TRANSFORM_OPTIONS,
    fetch: HTTP_OPTIONS,
  });
  try {
    const expected = (await createFetcherOnce((fetcher) => fetcher.fetch(`${fixture.baseUrl}${PHOTO}`))).body;
    await stages.fetch(`${fixture.baseUrl}${PHOTO}`); // opens every stream
    await new Promise((resolve) => setTimeout(resolve, 50));
    const before = { a: a.served(), b: b.served() };
    const results = Array.from({ length: 40 }, () => stages.fetch(`${fixture.baseUrl}/slow/300${PHOTO}`));
    await waitFor(() => a.service.inFlight() === 2);
    const stopped = a.server.shutdown(5_000);
    const downloads = await Promise.all(results);
    downloads.forEach((download, i) => assert.ok(download.body.equals(expected), `body ${i}`));
    assert.equal(await stopped, "graceful", "a ended its streams itself");
    const servedByA = a.served() - before.a;
    assert.equal(servedByA, 2, "a only finished what it was downloading");
    assert.equal(b.served() - before.b, 40 - servedByA, "b took every request a had not started");
  } finally {
    await stages.close();
    await a.stop();
    await b.stop();
    await fixture.close();
  }
});

test("stages: a request no replica answers is rejected with RemoteStageError, and close() rejects what is pending", async () => {
  const nothing = await startGrpcServer({ host: "127.0.0.1", maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES, services: [] });
  const address = nothing.address;
  await nothing.shutdown(0); // a port nobody listens on any more
  const stages = createRemoteStages({
    fetcherAddresses: address,
    transformerAddresses: address,
    transform: TRANSFORM_OPTIONS,
    fetch: HTTP_OPTIONS,
    requestTimeoutMs: 600,
  });
  const started = Date.now();
  await assert.rejects(stages.fetch("http://127.0.0.1:1/x.jpg"), (error: unknown) => {
    assert.ok(error instanceof RemoteStageError, String(error));
    assert.match(error.message, /^No fetcher answered within 600 ms \(last problem: .+\)$/);
    return true;
  });
  assert.ok(Date.now() - started >= 550, "kept trying until the deadline");
  const pending = stages.transform(Buffer.from("x"));
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(stages.inFlight(), 1);
  await stages.close();
  await assert.rejects(pending, RemoteStageError);
  await assert.rejects(stages.fetch("http://127.0.0.1:1/y.jpg"), RemoteStageError);
});

async function createFetcherOnce<T>(use: (fetcher: ReturnType<typeof createFetcher>) => Promise<T>): Promise<T> {
  const fetcher = createFetcher(FETCHER_OPTIONS);
  try {
    return await use(fetcher);
  } finally {
    await fetcher.close();
  }
}

test("stages: each fetch uses its own job's HTTP options, and a request beyond the fetcher's policy is refused naming the option and the limit", async () => {
  const fixture = await startFixtureServer();
  const contracts = await loadContracts();
  const fetchers = createFetcherPool((options) => createFetcher(fetcherOptionsOf(options)));
  const policy = { ...PERMISSIVE_POLICY, limit_timeout: 30, limit_ignore_ssl_certificate: false };
  const service = createFetchService({ fetchers, policy, concurrency: 4 });
  const server = await startGrpcServer({
    host: "127.0.0.1",
    maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES,
    services: [{ definition: contracts.fetch, implementation: service.handlers }],
  });
  server.stopping.addEventListener("abort", () => void service.drain());
  const client = createClient<FetchServiceClient>(contracts.fetch, server.address, { maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES });
  const fetchOnce = (url: string, options: object | undefined) =>
    new Promise<FetchResponse__Output>((resolve, reject) => {
      const call = client.Fetch();
      call.on("data", resolve);
      call.on("error", reject);
      call.write({ id: 1, url, ...(options ? { options } : {}) });
      call.end();
    });
  try {
    // Two jobs on one stream of the same fetcher: only the one with the token honours "img2dataset: noai".
    const url = `${fixture.baseUrl}/robots/${encodeURIComponent("img2dataset: noai")}${PHOTO}`;
    assert.equal((await fetchOnce(url, fetchOptionsToProto(HTTP_OPTIONS))).result, "body");
    const withToken = await fetchOnce(url, fetchOptionsToProto({ ...HTTP_OPTIONS, user_agent_token: "img2dataset" }));
    assert.deepEqual(withToken.failure, { message: "Use of image disallowed by X-Robots-Tag directive", retryable: false });
    // The job's allow_private_network False is applied too: the fixture is on 127.0.0.1.
    const guarded = await fetchOnce(`${fixture.baseUrl}${PHOTO}`, fetchOptionsToProto({ ...HTTP_OPTIONS, allow_private_network: false }));
    assert.equal(guarded.failure?.message, "blocked private address");

    const beyond = await fetchOnce(`${fixture.baseUrl}${PHOTO}`, fetchOptionsToProto({ ...HTTP_OPTIONS, timeout: 60, ignore_ssl_certificate: true }));
    assert.deepEqual(beyond.failure, {
      message:
        "refused by the fetcher: timeout 60 exceeds the fleet's limit 30 (LAION_DL_LIMIT_TIMEOUT); " +
        "ignore_ssl_certificate True is not allowed by the fleet's policy (LAION_DL_LIMIT_IGNORE_SSL_CERTIFICATE is False)",
      retryable: false,
    });
    const none = await fetchOnce(`${fixture.baseUrl}${PHOTO}`, undefined);
    assert.equal(none.failure?.message, "refused by the fetcher: Expected fetch options for options but received none");
    // Through the assembler's stages, a refusal fails the shard instead of marking its rows failed.
    const stages = createRemoteStages({ fetcherAddresses: server.address, fetch: { ...HTTP_OPTIONS, timeout: 60 } });
    await assert.rejects(
      stages.fetch(`${fixture.baseUrl}${PHOTO}`),
      (error: unknown) => error instanceof RemoteStageError && /timeout 60 exceeds/.test(error.message),
    );
    await stages.close();
    assert.equal(fixture.requestCount(PHOTO), 0, "refused requests never reach the origin");
  } finally {
    client.close();
    await server.shutdown(2_000);
    await fetchers.close();
    await fixture.close();
  }
});
