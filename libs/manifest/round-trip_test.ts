import assert from "node:assert/strict";
import { test } from "node:test";
import { TRICKY_ROWS, readAll, tempFiles } from "./testing.ts";
import type { ManifestFormat } from "./types.ts";
import { writeManifest } from "./write-manifest.ts";

const file = tempFiles();
const FORMATS: readonly ManifestFormat[] = ["json", "jsonl", "csv", "tsv", "txt"];
const expected = (format: ManifestFormat) => TRICKY_ROWS.map((row) => (format === "txt" ? { url: row.url } : { caption: row.caption, url: row.url }));

for (const format of FORMATS) {
  for (const gzip of [false, true]) {
    const name = `${format}${gzip ? ".gz" : ""}`;

    test(`manifest: ${name} written by writeManifest reads back the same rows, found by extension`, async () => {
      const path = file(`rows.${name}`);
      await writeManifest(path, TRICKY_ROWS, format, { gzip });
      const { source, rows, error } = await readAll(path);
      assert.equal(error, undefined);
      assert.equal(source.format, format);
      assert.equal(source.compressed, gzip);
      assert.deepEqual(
        rows.map((row) => row.fields),
        expected(format),
      );
      assert.deepEqual(
        rows.map((row) => row.index),
        TRICKY_ROWS.map((_, i) => i),
      );
    });

    test(`manifest: ${name} reads back the same rows from inputFormat "${name}"`, async () => {
      const path = file(`rows-${format}-${gzip}`);
      await writeManifest(path, TRICKY_ROWS, format, { gzip });
      const { source, rows, error } = await readAll(path, { inputFormat: name });
      assert.equal(error, undefined);
      assert.equal(source.format, format);
      assert.deepEqual(
        rows.map((row) => row.fields),
        expected(format),
      );
    });
  }
}

test("manifest: rows that straddle read chunks come back whole", async () => {
  // ~1.6 MB: rows fall across the 1 MiB read and gunzip chunk edges
  const many = Array.from({ length: 10_000 }, (_, i) => {
    const row = TRICKY_ROWS[i % TRICKY_ROWS.length]!;
    return { caption: `${row.caption} #${i}`, url: `${row.url}&n=${i}` };
  });
  for (const gzip of [false, true]) {
    const path = file(`many-${gzip}.json`);
    await writeManifest(path, many, "json", { gzip });
    const { rows, error } = await readAll(path);
    assert.equal(error, undefined);
    assert.deepEqual(
      rows.map((row) => row.fields),
      many,
    );
  }
});
