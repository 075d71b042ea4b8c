import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { status, type ServerUnaryCall, type sendUnaryData } from "@grpc/grpc-js";
import { loadContracts } from "./contracts.ts";
import { DEFAULT_MAX_MESSAGE_BYTES } from "./channel-options.ts";
import { startGrpcServer, type GrpcServer } from "./server.ts";
import { bufCurl, echoFetch, echoTransform } from "./test-helpers.ts";

const unimplemented = (_call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>): void =>
  callback({ code: status.UNIMPLEMENTED, details: "test stub" });

describe("grpc: reflection, through buf curl", { concurrency: true }, () => {
  let server: GrpcServer;
  let url: string;

  before(async () => {
    const contracts = await loadContracts();
    server = await startGrpcServer({
      host: "127.0.0.1",
      maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES,
      services: [
        { definition: contracts.fetch, implementation: echoFetch().handlers },
        { definition: contracts.transform, implementation: echoTransform },
        { definition: contracts.ingest, implementation: { SubmitJob: unimplemented, GetJob: unimplemented } },
        { definition: contracts.assembler, implementation: { GetStatus: unimplemented, Drain: unimplemented } },
      ],
    });
    server.health.setServing("", true);
    url = `http://${server.address}`;
  });

  after(async () => {
    assert.equal(await server.shutdown(2000), "graceful");
  });

  test("grpc: --list-services names every service, health and reflection", async () => {
    const { code, stdout, stderr } = await bufCurl(["--list-services", url]);
    assert.equal(code, 0, stderr);
    assert.deepEqual(stdout.trim().split("\n").sort(), [
      "grpc.health.v1.Health",
      "grpc.reflection.v1.ServerReflection",
      "grpc.reflection.v1alpha.ServerReflection",
      "laion_dl.v1.AssemblerService",
      "laion_dl.v1.FetchService",
      "laion_dl.v1.IngestService",
      "laion_dl.v1.TransformService",
    ]);
  });

  test("grpc: --list-methods resolves every method, grpc.health.v1.Health's included", async () => {
    const { code, stdout, stderr } = await bufCurl(["--list-methods", url]);
    assert.equal(code, 0, stderr);
    const methods = stdout.trim().split("\n");
    for (const method of [
      "grpc.health.v1.Health/Check",
      "grpc.health.v1.Health/Watch",
      "grpc.health.v1.Health/List",
      "grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
      "laion_dl.v1.FetchService/Fetch",
      "laion_dl.v1.TransformService/Transform",
      "laion_dl.v1.IngestService/SubmitJob",
      "laion_dl.v1.IngestService/GetJob",
      "laion_dl.v1.AssemblerService/GetStatus",
      "laion_dl.v1.AssemblerService/Drain",
    ]) {
      assert.ok(methods.includes(method), `${method} missing from:\n${stdout}`);
    }
  });

  test("grpc: Health/Check and Health/List are callable with the schema from reflection", async () => {
    const [check, list] = await Promise.all([
      bufCurl(["-d", '{"service":""}', `${url}/grpc.health.v1.Health/Check`]),
      bufCurl([`${url}/grpc.health.v1.Health/List`]),
    ]);
    assert.equal(check.code, 0, check.stderr);
    assert.deepEqual(JSON.parse(check.stdout), { status: "SERVING" });

    assert.equal(list.code, 0, list.stderr);
    assert.deepEqual(JSON.parse(list.stdout), {
      statuses: {
        "": { status: "SERVING" },
        "laion_dl.v1.AssemblerService": { status: "NOT_SERVING" },
        "laion_dl.v1.FetchService": { status: "NOT_SERVING" },
        "laion_dl.v1.IngestService": { status: "NOT_SERVING" },
        "laion_dl.v1.TransformService": { status: "NOT_SERVING" },
      },
    });
  });

  test("grpc: a bidi Fetch stream works with field names and oneofs from reflection", async () => {
    const { code, stdout, stderr } = await bufCurl([
      "-d",
      '{"id": "7", "url": "http://a/b.jpg"} {"id": "8", "url": "fail:HTTP Error 404: Not Found"}',
      `${url}/laion_dl.v1.FetchService/Fetch`,
    ]);
    assert.equal(code, 0, stderr);
    const responses = stdout
      .trim()
      .split(/\n(?=\{)/)
      .map((text) => JSON.parse(text) as unknown);
    assert.deepEqual(responses, [
      { id: "7", body: Buffer.from("http://a/b.jpg").toString("base64") },
      { id: "8", failure: { message: "HTTP Error 404: Not Found", retryable: true, retryAfterSeconds: 0 } },
    ]);
  });

  test("grpc: errors from handlers reach buf curl as their status code", async () => {
    const { code, stdout, stderr } = await bufCurl(["-d", '{"job_id": "x"}', `${url}/laion_dl.v1.IngestService/GetJob`]);
    // buf curl exits with the gRPC code shifted three bits to the left.
    assert.equal(code, status.UNIMPLEMENTED << 3, stdout + stderr);
    assert.match(stderr, /unimplemented/);
  });
});
