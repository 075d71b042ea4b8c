import assert from "node:assert/strict";
import { readdirSync, statSync } from "node:fs";
import { test } from "node:test";
import { setImmediate } from "node:timers/promises";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { openManifest } from "./open-manifest.ts";
import { tempFiles } from "./testing.ts";
import { writeManifest } from "./write-manifest.ts";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;
const MB = 1 << 20;
const file = tempFiles();

function* generatedRows(count: number): Generator<Record<string, unknown>> {
  for (let i = 0; i < count; i++) {
    yield { caption: `row ${i}: a photo of a lighthouse on a rocky coast at sunset, seen from the sea`, url: `https://example.com/images/${i}.jpg` };
  }
}

/** Live memory: the JS heap plus Buffers, after a full collection. */
function liveBytes(): number {
  gc();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

test("manifest: a slow consumer reads a large manifest in constant memory", async () => {
  const path = file("large.json");
  await writeManifest(path, generatedRows(200_000), "json");
  assert.ok(statSync(path).size > 30 * MB);
  const before = liveBytes();
  let growth = 0;
  let count = 0;
  for await (const row of (await openManifest(path)).rows) {
    assert.equal(row.index, count);
    await (count % 10 === 0 ? setImmediate() : Promise.resolve()); // a consumer slower than the reader
    if (++count % 25_000 === 0) growth = Math.max(growth, liveBytes() - before);
  }
  assert.equal(count, 200_000);
  assert.ok(growth < 16 * MB, `live memory grew by ${(growth / MB).toFixed(1)} MB`);
});

test("manifest: a consumer that stops early leaves no file open", async () => {
  const path = file("stop.tsv");
  await writeManifest(path, generatedRows(50_000), "tsv", { gzip: true });
  const openFiles = () => readdirSync("/proc/self/fd").length;
  const before = openFiles();
  let count = 0;
  for await (const _ of (await openManifest(path)).rows) if (++count === 10) break;
  for (let wait = 0; wait < 100 && openFiles() > before; wait++) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(openFiles(), before);
});
