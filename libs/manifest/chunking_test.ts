import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { test } from "node:test";
import { readRows } from "./open-manifest.ts";
import { TRICKY_ROWS, tempFiles } from "./testing.ts";
import type { ManifestFormat, ManifestRow } from "./types.ts";
import { writeManifest } from "./write-manifest.ts";

const file = tempFiles();

async function* chunked(bytes: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function rowsOf(format: ManifestFormat, bytes: Buffer, size: number): Promise<ManifestRow[]> {
  const rows: ManifestRow[] = [];
  for await (const row of readRows(format, chunked(bytes, size), "test")) rows.push(row);
  return rows;
}

for (const format of ["json", "jsonl", "csv", "tsv", "txt"] as const) {
  test(`manifest: ${format} rows do not depend on where the input is cut into chunks`, async () => {
    const path = file(`rows.${format}`);
    await writeManifest(path, TRICKY_ROWS, format);
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), await readFile(path)]);
    const whole = await rowsOf(format, bytes, bytes.length);
    assert.equal(whole.length, TRICKY_ROWS.length);
    for (const size of [1, 2, 3, 5, 17, 64]) {
      assert.deepEqual(await rowsOf(format, bytes, size), whole, `chunks of ${size} bytes`);
    }
  });
}
