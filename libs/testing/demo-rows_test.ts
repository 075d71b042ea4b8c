import assert from "node:assert/strict";
import { test } from "node:test";
import { TRICKY_CAPTIONS } from "./captions.ts";
import { demoRows } from "./demo-rows.ts";

const BASE = "http://127.0.0.1:9";
const IMAGE = /^\/img\/(photo|alpha|gray)\/\d+\/(\d+)x(\d+)\.(jpg|png|webp)$/;

function images(rows: readonly { url: string }[]) {
  return rows.flatMap(({ url }) => {
    const match = IMAGE.exec(url.slice(BASE.length));
    if (!match) return [];
    const [, kind, width, height, format] = match;
    return [{ kind: kind!, format: format!, width: Number(width), height: Number(height) }];
  });
}

const share = <T>(items: readonly T[], predicate: (item: T) => boolean) => items.filter(predicate).length / items.length;

test("demo-rows: the same arguments give the same rows, and shorter lists are prefixes", () => {
  const rows = demoRows(BASE, 300, { seed: 3 });
  assert.deepEqual(demoRows(`${BASE}/`, 300, { seed: 3 }), rows);
  assert.deepEqual(demoRows(BASE, 120, { seed: 3 }), rows.slice(0, 120));
  assert.notDeepEqual(demoRows(BASE, 300, { seed: 4 }), rows);
  assert.equal(new Set(rows.map((row) => row.url)).size, rows.length, "URLs are distinct");
});

test("demo-rows: sizes, formats and aspect ratios follow the intended mix", () => {
  const all = images(demoRows(BASE, 2000, { failureRate: 0 }));
  assert.equal(all.length, 2000);
  const long = (image: { width: number; height: number }) => Math.max(image.width, image.height);
  assert.ok(Math.abs(share(all, (i) => long(i) <= 500) - 0.4) < 0.04);
  assert.ok(Math.abs(share(all, (i) => long(i) >= 640 && long(i) <= 1280) - 0.4) < 0.04);
  assert.ok(Math.abs(share(all, (i) => long(i) >= 1600 && long(i) <= 4000) - 0.2) < 0.03);
  assert.ok(Math.abs(share(all, (i) => i.format === "png") - 0.1) < 0.03);
  assert.ok(Math.abs(share(all, (i) => i.format === "webp") - 0.1) < 0.03);
  assert.ok(Math.abs(share(all, (i) => i.kind === "alpha") - 0.08) < 0.03);
  assert.ok(share(all, (i) => i.kind === "gray") > 0.03);
  for (const { width, height } of all) {
    // The short side is rounded to whole pixels, so allow half a pixel either way.
    assert.ok(Math.min(width, height) + 0.5 >= Math.max(width, height) / 3, `${width}x${height}`);
  }
  const nearCommon = share(all, ({ width, height }) => [4 / 3, 16 / 9, 3 / 4, 9 / 16].some((r) => Math.abs(width / height - r) < 0.02));
  assert.ok(nearCommon > 0.5, `only ${nearCommon} near 4:3 or 16:9`);
});

test("demo-rows: about failureRate of rows use the failure routes, mixed", () => {
  const rows = demoRows(BASE, 2000, { failureRate: 0.2 });
  const paths = rows.map(({ url }) => url.slice(BASE.length));
  const failing = paths.filter((path) => !IMAGE.test(path));
  assert.ok(Math.abs(failing.length / rows.length - 0.2) < 0.03, `${failing.length} failures`);
  for (const route of [/^\/status\/404\?/, /^\/status\/500\?/, /^\/text\/\d+\.html$/, /^\/truncated\/img\//, /^\/slow\/50\/img\//]) {
    assert.ok(failing.filter((path) => route.test(path)).length > 40, String(route));
  }
  assert.equal(demoRows(BASE, 500, { failureRate: 0 }).filter(({ url }) => !IMAGE.test(url.slice(BASE.length))).length, 0);
});

test("demo-rows: captions are plain lowercase sentences with a tricky one every 25 rows", () => {
  const rows = demoRows(BASE, 500);
  rows.forEach(({ caption }, index) => {
    if (index % 25 === 12) assert.ok(TRICKY_CAPTIONS.includes(caption), `row ${index}`);
    else assert.match(caption, /^[a-z][a-z ]+[a-z]$/, `row ${index}`);
  });
  assert.equal(new Set(rows.filter((_, i) => i % 25 === 12).map((row) => row.caption)).size, TRICKY_CAPTIONS.length);
});

test("demo-rows: TRICKY_CAPTIONS covers the awkward cases", () => {
  const has = (pattern: RegExp) => TRICKY_CAPTIONS.some((caption) => pattern.test(caption));
  for (const pattern of [/\t/, /[^\r]\n/, /\r\n/, /"/, /'/, /\\/, /,/, /[\u{1F300}-\u{1FAFF}]/u, /[\u0600-\u06FF]/, /[\u0590-\u05FF]/, /\p{M}/u, /^$/]) {
    assert.ok(has(pattern), String(pattern));
  }
  assert.ok(TRICKY_CAPTIONS.some((caption) => caption.length >= 2000 && caption.length <= 2200));
});

test("demo-rows: rejects bad arguments, worded like sharp", () => {
  assert.throws(() => demoRows(BASE, -1), { message: "Expected non-negative integer for count but received -1" });
  assert.throws(() => demoRows(BASE, 1, { failureRate: 2 }), { message: "Expected number between 0 and 1 for failureRate but received 2" });
  assert.throws(() => demoRows(BASE, 1, { seed: 0.5 }), { message: "Expected non-negative integer for seed but received 0.5" });
});
