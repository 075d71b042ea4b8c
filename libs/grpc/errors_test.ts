import assert from "node:assert/strict";
import { test } from "node:test";
import { Metadata, status, type ServerDuplexStream, type ServerUnaryCall, type ServiceError } from "@grpc/grpc-js";
import { DEFAULT_MAX_MESSAGE_BYTES } from "./channel-options.ts";
import { createClient } from "./client.ts";
import { loadContracts } from "./contracts.ts";
import { failStream, GrpcStatusError, toFailure, toServiceError, unaryHandler } from "./errors.ts";
import type { IngestServiceClient } from "./generated/laion_dl/v1/IngestService.ts";
import type { FetchServiceClient } from "./generated/laion_dl/v1/FetchService.ts";
import type { JobStatus } from "./generated/laion_dl/v1/JobStatus.ts";
import { startGrpcServer } from "./server.ts";
import { callStream } from "./test-helpers.ts";

class OptionError extends Error {
  override readonly name = "OptionError";
}
class ShardNotFound extends Error {
  override readonly name = "ShardNotFound";
}
const downstream = Object.assign(new Error("14 UNAVAILABLE: no ready fetcher"), {
  code: status.UNAVAILABLE,
  details: "no ready fetcher",
  metadata: new Metadata(),
});
const enoent = Object.assign(new Error("ENOENT: no such file or directory, open '/m.json'"), { code: "ENOENT" });

const CASES: readonly { name: string; error: unknown; code: status; details: string }[] = [
  {
    name: "GrpcStatusError keeps its code",
    error: new GrpcStatusError(status.FAILED_PRECONDITION, "job is done"),
    code: status.FAILED_PRECONDITION,
    details: "job is done",
  },
  { name: "a downstream call's error keeps its code", error: downstream, code: status.UNAVAILABLE, details: "no ready fetcher" },
  {
    name: "OptionError is INVALID_ARGUMENT",
    error: new OptionError("Expected an integer for image_size but received x"),
    code: status.INVALID_ARGUMENT,
    details: "Expected an integer for image_size but received x",
  },
  { name: "a caller's own name mapping", error: new ShardNotFound("shard 7"), code: status.NOT_FOUND, details: "shard 7" },
  { name: "ENOENT is NOT_FOUND", error: enoent, code: status.NOT_FOUND, details: "ENOENT: no such file or directory, open '/m.json'" },
  { name: "a plain Error is INTERNAL", error: new Error("boom"), code: status.INTERNAL, details: "boom" },
  { name: "a TypeError is INTERNAL with its name", error: new TypeError("x is undefined"), code: status.INTERNAL, details: "TypeError: x is undefined" },
  { name: "a thrown string is INTERNAL", error: "oops", code: status.INTERNAL, details: "oops" },
  { name: "OK is never an error code", error: new GrpcStatusError(status.OK, "?"), code: status.UNKNOWN, details: "?" },
];

for (const { name, error, code, details } of CASES) {
  test(`grpc: toServiceError: ${name}`, () => {
    assert.deepEqual(toServiceError(error, { ShardNotFound: status.NOT_FOUND }), { code, details });
  });
}

test("grpc: toFailure carries message, retryable and Retry-After", () => {
  const fetchFailure = Object.assign(new Error("HTTP Error 429: Too Many Requests"), { retryable: true, retryAfter: 30 });
  assert.deepEqual(toFailure(fetchFailure), { message: "HTTP Error 429: Too Many Requests", retryable: true, retry_after_seconds: 30 });
  assert.deepEqual(toFailure(new Error("Image decoding error")), { message: "Image decoding error", retryable: false });
});

test("grpc: unaryHandler replies once with the result or the mapped error", async () => {
  type Job = { job_id: string };
  const call = { request: { job_id: "j" } } as unknown as ServerUnaryCall<Job, Job>;
  const ok: unknown[][] = [];
  const failed: unknown[][] = [];
  unaryHandler(async (request: Job) => ({ job_id: request.job_id }))(call, (...args) => void ok.push(args));
  unaryHandler<Job, Job>(() => {
    throw new OptionError("bad");
  })(call, (...args) => void failed.push(args));
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(ok, [[null, { job_id: "j" }]]);
  assert.deepEqual(failed, [[{ code: status.INVALID_ARGUMENT, details: "bad" }, undefined]]);
});

test("grpc: errors reach a real client with their status, and a stream is failed only once", async () => {
  const contracts = await loadContracts();
  const failures: boolean[] = [];
  const server = await startGrpcServer({
    host: "127.0.0.1",
    maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES,
    services: [
      {
        definition: contracts.ingest,
        implementation: {
          GetJob: unaryHandler<{ job_id: string }, JobStatus>((request) => {
            throw new GrpcStatusError(status.NOT_FOUND, `Expected a known job_id but received ${request.job_id}`);
          }),
          SubmitJob: unaryHandler(() => Promise.reject(new OptionError("Expected a JSON object for options_json but received 3"))),
        },
      },
      {
        definition: contracts.fetch,
        implementation: {
          Fetch(call: ServerDuplexStream<unknown, unknown>) {
            call.on("data", () => {
              failures.push(failStream(call, new GrpcStatusError(status.RESOURCE_EXHAUSTED, "fetcher saturated")));
              failures.push(failStream(call, new Error("second")));
            });
          },
        },
      },
    ],
  });
  const ingest = createClient<IngestServiceClient>(contracts.ingest, server.address, { maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES });
  const fetch = createClient<FetchServiceClient>(contracts.fetch, server.address, { maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES });
  try {
    const getJob = new Promise((resolve, reject) => ingest.GetJob({ job_id: "nope" }, (error, value) => (error ? reject(error) : resolve(value))));
    await assert.rejects(getJob, (error: ServiceError) => error.code === status.NOT_FOUND && error.details === "Expected a known job_id but received nope");
    const submit = new Promise((resolve, reject) => ingest.SubmitJob({ options_json: "3" }, (error, value) => (error ? reject(error) : resolve(value))));
    await assert.rejects(submit, (error: ServiceError) => error.code === status.INVALID_ARGUMENT);
    await assert.rejects(
      callStream(fetch.Fetch(), [
        { id: 1, url: "u" },
        { id: 2, url: "v" },
      ]),
      (error: ServiceError) => error.code === status.RESOURCE_EXHAUSTED && error.details === "fetcher saturated",
    );
    assert.equal(failures[0], true);
    assert.ok(
      failures.slice(1).every((sent) => !sent),
      "no second status",
    );
  } finally {
    ingest.close();
    fetch.close();
    assert.equal(await server.shutdown(2000), "graceful");
  }
});
