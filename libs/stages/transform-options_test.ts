import assert from "node:assert/strict";
import { test } from "node:test";
import type { TransformOptions__Output } from "@laion-dl/grpc";
import { TransformFailure } from "@laion-dl/transform";
import { TRANSFORM_OPTIONS } from "./test-servers.ts";
import { transformOptionsFromProto, transformOptionsToProto } from "./transform-options.ts";

/** What a received message looks like: every scalar filled in, `optional` fields only when sent. */
const received = (options: Parameters<typeof transformOptionsToProto>[0]) => ({ ...transformOptionsToProto(options) }) as TransformOptions__Output;

test("stages: transform options survive the wire, unlimited area and ratio as absent fields", () => {
  const proto = transformOptionsToProto(TRANSFORM_OPTIONS);
  assert.equal("max_image_area" in proto, false);
  assert.equal("max_aspect_ratio" in proto, false);
  assert.deepEqual(transformOptionsFromProto(received(TRANSFORM_OPTIONS)), TRANSFORM_OPTIONS);
  const limited = { ...TRANSFORM_OPTIONS, maxImageArea: 1e6, maxAspectRatio: 2.5, minImageSize: 10, resizeOnlyIfBigger: true, encodeFormat: "png" as const, encodeQuality: 9 };
  assert.deepEqual(transformOptionsFromProto(received(limited)), limited);
});

const BAD: readonly { name: string; proto: Partial<TransformOptions__Output> | null; message: string }[] = [
  { name: "no options", proto: null, message: "Expected transform options for options but received none" },
  { name: "an unknown resize_mode", proto: { resize_mode: "stretch" }, message: 'Expected one of no, border, keep_ratio, keep_ratio_largest, center_crop for resize_mode but received "stretch"' },
  { name: "an unknown encode_format", proto: { encode_format: "gif" }, message: 'Expected one of jpg, png, webp for encode_format but received "gif"' },
  { name: "image_size 0", proto: { image_size: 0 }, message: "Expected positive integer for image_size but received 0" },
];

for (const { name, proto, message } of BAD) {
  test(`stages: transform options with ${name} are refused as a TransformFailure`, () => {
    const options = proto === null ? null : ({ ...received(TRANSFORM_OPTIONS), ...proto } as TransformOptions__Output);
    assert.throws(() => transformOptionsFromProto(options), (error: unknown) => error instanceof TransformFailure && error.message === message);
  });
}
