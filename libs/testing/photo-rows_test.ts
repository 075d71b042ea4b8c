import assert from "node:assert/strict";
import { test } from "node:test";
import { PHOTO_LIKE, photoLikeRows } from "./photo-rows.ts";

const BASE = "http://127.0.0.1:9";
const IMAGE = /^(\/slow\/1000)?\/img\/(photo|alpha|gray)\/\d+\/(\d+)x(\d+)(\.q90)?\.(jpg|png)$/;

test("photo-rows: deterministic prefixes with distinct URLs", () => {
  const rows = photoLikeRows(BASE, 500, { seed: 2 });
  assert.deepEqual(photoLikeRows(`${BASE}/`, 200, { seed: 2 }), rows.slice(0, 200));
  assert.notDeepEqual(photoLikeRows(BASE, 500, { seed: 3 }), rows);
  assert.equal(new Set(rows.map((row) => row.url)).size, rows.length);
});

test("photo-rows: 10 % 404s, 1 % slow answers, 83 % JPEG q90 and 17 % PNG within 1920×1080", () => {
  const rows = photoLikeRows(BASE, 5000);
  const paths = rows.map((row) => row.url.slice(BASE.length));
  const share = (predicate: (path: string) => boolean, of = paths) => of.filter(predicate).length / of.length;
  assert.ok(Math.abs(share((p) => p.startsWith("/status/404?row=")) - PHOTO_LIKE.notFoundShare) < 0.015);
  assert.ok(Math.abs(share((p) => p.startsWith("/slow/1000/img/")) - PHOTO_LIKE.slowShare) < 0.005);
  const images = paths.filter((p) => !p.startsWith("/status/")).map((p) => IMAGE.exec(p));
  assert.ok(
    images.every((m) => m !== null),
    "every other row is an image",
  );
  const matches = images as RegExpExecArray[];
  const jpeg = share(
    (p) => p.endsWith(".q90.jpg"),
    paths.filter((p) => !p.startsWith("/status/")),
  );
  assert.ok(Math.abs(jpeg - 0.83) < 0.02, `JPEG ${jpeg}`);
  for (const kind of ["photo", "alpha", "gray"])
    assert.ok(
      matches.some((m) => m[2] === kind && m[6] === "png"),
      `a ${kind} PNG`,
    );
  for (const m of matches) {
    const [width, height] = [Number(m[3]), Number(m[4])];
    assert.ok(Math.min(width, height) >= 300 && Math.max(width, height) <= 1920 && Math.min(width, height) <= 1080, `${width}x${height}`);
    assert.equal(m[5] === ".q90", m[6] === "jpg", "JPEGs and only JPEGs carry q90");
  }
  const megapixels = matches.filter((m) => m[6] === "jpg").map((m) => (Number(m[3]) * Number(m[4])) / 1e6);
  assert.ok(megapixels.some((mp) => mp < 0.15) && megapixels.some((mp) => mp > 1.9), "from about 300×300 to 1920×1080");
});
