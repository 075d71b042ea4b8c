import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { test } from "node:test";
import { loadContracts, PROTO_ROOT, SERVICE_NAMES } from "./contracts.ts";
import { GENERATED_DIR, generateTypes } from "./generate-types.ts";
import { buf } from "./test-helpers.ts";

test("grpc: loadContracts gives every service with its methods and streaming kinds", async () => {
  const contracts = await loadContracts();
  const shape = (definition: object): Record<string, string> =>
    Object.fromEntries(
      Object.values(definition as Record<string, { path: string; requestStream: boolean; responseStream: boolean }>).map((m) => [
        m.path,
        `${m.requestStream ? "stream" : "unary"} -> ${m.responseStream ? "stream" : "unary"}`,
      ]),
    );
  assert.deepEqual(shape(contracts.fetch), { "/laion_dl.v1.FetchService/Fetch": "stream -> stream" });
  assert.deepEqual(shape(contracts.transform), { "/laion_dl.v1.TransformService/Transform": "stream -> stream" });
  assert.deepEqual(shape(contracts.ingest), {
    "/laion_dl.v1.IngestService/SubmitJob": "unary -> unary",
    "/laion_dl.v1.IngestService/GetJob": "unary -> unary",
  });
  assert.deepEqual(shape(contracts.assembler), {
    "/laion_dl.v1.AssemblerService/GetStatus": "unary -> unary",
    "/laion_dl.v1.AssemblerService/Drain": "unary -> unary",
  });
  assert.ok(contracts.packageDefinition[SERVICE_NAMES.health], "health.proto is part of the package definition");
  assert.equal(await loadContracts(), contracts, "loaded once per process");
});

test("grpc: received messages fill defaults, keep proto names, and tell an absent optional from 0", async () => {
  const { transform } = await loadContracts();
  const { requestSerialize, requestDeserialize } = transform.Transform;
  const roundTrip = (message: Parameters<typeof requestSerialize>[0]) => requestDeserialize(requestSerialize(message));

  const bare = roundTrip({ id: 5, options: { image_size: 224, encode_format: "jpg" } });
  assert.equal(bare.options?.max_image_area, undefined, "absent: no limit");
  assert.deepEqual(bare, {
    id: 5,
    digest_algorithms: [],
    options: {
      image_size: 224,
      resize_mode: "",
      resize_only_if_bigger: false,
      min_image_size: 0,
      encode_format: "jpg",
      encode_quality: 0,
    },
    fetch_options: null,
  });

  const zero = roundTrip({ options: { max_image_area: 0, max_aspect_ratio: 3 } });
  assert.equal(zero.options?.max_image_area, 0);
  assert.equal(zero.options?.max_aspect_ratio, 3);
  assert.equal(zero.options?._max_image_area, "max_image_area");

  assert.equal(roundTrip({}).options, null, "a message field that was not sent is null");

  // A oneof names the member that was sent: an image or a URL.
  const byUrl = roundTrip({ id: 1, url: "http://h/a.jpg" });
  assert.deepEqual([byUrl.source, byUrl.url, byUrl.image], ["url", "http://h/a.jpg", undefined]);
  assert.deepEqual(roundTrip({ id: 1, image: Buffer.from("x") }).source, "image");
});

test("grpc: generated/ is what generate-types.ts makes from proto/ (run `pnpm --filter @laion-dl/grpc generate`)", async () => {
  const fresh = await mkdtemp(join(tmpdir(), "laion-dl-grpc-types-"));
  try {
    await generateTypes(fresh);
    const list = async (root: string): Promise<string[]> =>
      (await readdir(root, { recursive: true, withFileTypes: true }))
        .filter((e) => e.isFile())
        .map((e) => relative(root, join(e.parentPath, e.name)))
        .sort();
    const files = await list(fresh);
    assert.deepEqual(await list(GENERATED_DIR), files);
    for (const file of files) {
      assert.equal(await readFile(join(GENERATED_DIR, file), "utf8"), await readFile(join(fresh, file), "utf8"), `${file} is stale`);
    }
  } finally {
    await rm(fresh, { recursive: true, force: true });
  }
});

test("grpc: proto/ compiles with buf's strict compiler and passes buf lint", async () => {
  const build = await buf(["build", ".", "-o", "/dev/null"], PROTO_ROOT);
  assert.equal(build.code, 0, build.stderr);
  const lint = await buf(["lint", "."], PROTO_ROOT);
  assert.equal(lint.code, 0, lint.stdout + lint.stderr);
});
