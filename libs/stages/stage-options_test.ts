import assert from "node:assert/strict";
import { test } from "node:test";
import { parseDownloadOptions, stageOptionsOf, stageSpecs, type OptionSpec, type Stage } from "@laion-dl/config";
import { loadContracts, type FetchOptions__Output, type TransformOptions__Output } from "@laion-dl/grpc";
import { TransformFailure } from "@laion-dl/transform";
import { fetchOptionsFromProto, fetchOptionsToProto, transformOptionsFromProto, transformOptionsToProto } from "./stage-options.ts";

/** A job where every option a stage receives differs from its default: a field dropped on the way cannot go unseen. */
const EVERY_FIELD_SET = parseDownloadOptions({
  url_list: "-",
  image_size: "300",
  resize_mode: "keep_ratio",
  resize_only_if_bigger: "True",
  upscale_interpolation: "nearest",
  downscale_interpolation: "cubic",
  apply_exif_orientation: "False",
  min_image_size: "7",
  max_image_area: "1000000",
  max_aspect_ratio: "2.5",
  encode_format: "webp",
  encode_quality: "61",
  skip_reencode: "True",
  extract_exif: "False",
  timeout: "2.5",
  retries: "3",
  max_response_bytes: "5000000",
  max_redirects: "2",
  user_agent_token: "img2dataset",
  disallowed_header_directives: "[noai]",
  allow_private_network: "True",
  ignore_ssl_certificate: "True",
});
const DEFAULTS = parseDownloadOptions({ url_list: "-" });

/** Through the real wire: each request message serialised by protobufjs and read back, as a stage receives it. */
async function overTheWire() {
  const contracts = await loadContracts();
  const fetch = contracts.fetch.Fetch;
  const transform = contracts.transform.Transform;
  return {
    fetch: (options: ReturnType<typeof fetchOptionsToProto>) =>
      (fetch.requestDeserialize(fetch.requestSerialize({ id: 1, url: "http://x/", options })) as { options: FetchOptions__Output }).options,
    transform: (options: ReturnType<typeof transformOptionsToProto>) =>
      (transform.requestDeserialize(transform.requestSerialize({ id: 1, image: Buffer.alloc(1), options })) as { options: TransformOptions__Output }).options,
  };
}

test("stage options: every option a stage applies crosses the real protobuf wire unchanged", async () => {
  const wire = await overTheWire();
  for (const stage of ["fetch", "transform"] as Stage[]) {
    for (const { name, default: byDefault } of stageSpecs(stage) as readonly OptionSpec[]) {
      assert.notDeepEqual((EVERY_FIELD_SET as Record<string, unknown>)[name], byDefault, `${name} is set to a non-default value in this test`);
    }
  }
  for (const job of [EVERY_FIELD_SET, DEFAULTS]) {
    assert.deepEqual(fetchOptionsFromProto(wire.fetch(fetchOptionsToProto(stageOptionsOf("fetch", job)))), stageOptionsOf("fetch", job));
    assert.deepEqual(transformOptionsFromProto(wire.transform(transformOptionsToProto(stageOptionsOf("transform", job)))), stageOptionsOf("transform", job));
  }
  const unlimited = transformOptionsToProto(stageOptionsOf("transform", DEFAULTS));
  assert.equal("max_image_area" in unlimited, false, "no limit is an absent field");
  assert.equal("user_agent_token" in fetchOptionsToProto(stageOptionsOf("fetch", DEFAULTS)), false, "no token is an absent field");
});

test("stage options: a received value outside the option table's bounds or choices is refused, naming it", async () => {
  const wire = await overTheWire();
  const transform = transformOptionsToProto(stageOptionsOf("transform", DEFAULTS));
  const refusedTransform = (changes: object, message: string) =>
    assert.throws(
      () => transformOptionsFromProto(wire.transform({ ...transform, ...changes })),
      (error: unknown) => error instanceof TransformFailure && error.message === message,
    );
  refusedTransform({ image_size: 0 }, "Expected a number from 1 to 16384 for options.image_size but received 0");
  refusedTransform({ image_size: 20_000 }, "Expected a number from 1 to 16384 for options.image_size but received 20000");
  refusedTransform(
    { resize_mode: "stretch" },
    'Expected one of no, border, keep_ratio, keep_ratio_largest, center_crop for options.resize_mode but received "stretch"',
  );
  refusedTransform({ encode_format: "gif" }, 'Expected one of jpg, png, webp for options.encode_format but received "gif"');
  assert.throws(() => transformOptionsFromProto(null), /Expected transform options/);
  const fetch = fetchOptionsToProto(stageOptionsOf("fetch", DEFAULTS));
  assert.throws(() => fetchOptionsFromProto(wire.fetch({ ...fetch, timeout: 7200 })), {
    name: "OptionError",
    message: "Expected a number from 0.001 to 3600 for options.timeout but received 7200",
  });
  assert.throws(() => fetchOptionsFromProto(wire.fetch({ ...fetch, timeout: 0 })), /options\.timeout/, "absent (0) is refused, not a default");
  assert.throws(() => fetchOptionsFromProto(undefined), /Expected fetch options/);
});
