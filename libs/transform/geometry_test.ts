import assert from "node:assert/strict";
import { test } from "node:test";
import { computeGeometry, roundHalfEven } from "./geometry.ts";

test("geometry: rounds half to even like Python 3", () => {
  assert.deepEqual([0.5, 1.5, 2.5, 3.5, 2.4, 2.6].map(roundHalfEven), [0, 2, 2, 4, 2, 3]);
});

const cases = [
  {
    name: "border landscape, odd pad at bottom",
    w: 640,
    h: 427,
    mode: "border",
    size: 224,
    want: { resize: [224, 149], pad: [37, 38, 0, 0], out: [224, 224] },
  },
  { name: "border portrait", w: 300, h: 900, mode: "border", size: 224, want: { resize: [75, 224], pad: [0, 0, 74, 75], out: [224, 224] } },
  { name: "border upscales small images", w: 100, h: 50, mode: "border", size: 224, want: { resize: [224, 112], pad: [56, 56, 0, 0], out: [224, 224] } },
  { name: "keep_ratio_largest", w: 1000, h: 500, mode: "keep_ratio_largest", size: 256, want: { resize: [256, 128], out: [256, 128] } },
  { name: "keep_ratio scales the short side", w: 1000, h: 500, mode: "keep_ratio", size: 256, want: { resize: [512, 256], out: [512, 256] } },
  { name: "center_crop", w: 1001, h: 500, mode: "center_crop", size: 256, want: { resize: [513, 256], crop: [128, 0], out: [256, 256] } },
  { name: "no keeps the geometry", w: 123, h: 45, mode: "no", size: 256, want: { out: [123, 45] } },
] as const;

test("geometry: img2dataset's resize modes", () => {
  for (const c of cases) {
    const g = computeGeometry(c.w, c.h, c.mode, c.size, false);
    const want = c.want as { resize?: readonly number[]; pad?: readonly number[]; crop?: readonly number[]; out: readonly number[] };
    assert.deepEqual(g.resize ? [g.resize.width, g.resize.height] : undefined, want.resize, c.name);
    assert.deepEqual(g.pad ? [g.pad.top, g.pad.bottom, g.pad.left, g.pad.right] : undefined, want.pad, c.name);
    assert.deepEqual(g.crop ? [g.crop.left, g.crop.top] : undefined, want.crop, c.name);
    assert.deepEqual([g.width, g.height], want.out, c.name);
  }
});

test("geometry: resize_only_if_bigger never upscales, and then neither pads nor crops", () => {
  const small = computeGeometry(100, 50, "border", 224, true);
  assert.deepEqual([small.resize, small.pad, small.width, small.height], [null, null, 100, 50]);
  const big = computeGeometry(1000, 500, "border", 224, true);
  assert.deepEqual([big.width, big.height], [224, 224]);
  assert.equal(computeGeometry(300, 200, "center_crop", 224, true).crop, null);
});
