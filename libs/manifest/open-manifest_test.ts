import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { test } from "node:test";
import { gzipSync } from "node:zlib";
import { ManifestError } from "./manifest-error.ts";
import { openManifest } from "./open-manifest.ts";
import { readAll, tempFiles } from "./testing.ts";

const file = tempFiles();
const BOM = "\uFEFF";
const JSON_ROWS = '[\n    {\n        "caption": "a dog", \n        "url": "http://a"\n    }\n]\n';

interface SniffCase {
  name: string;
  file: string;
  content: string | Buffer;
  inputFormat?: string;
  format: string;
  compressed?: boolean;
  fields: Record<string, unknown>[];
}

const SNIFF: readonly SniffCase[] = [
  {
    name: "a JSON array declared as tsv is read as JSON",
    file: "seed.json",
    content: JSON_ROWS,
    inputFormat: "tsv",
    format: "json",
    fields: [{ caption: "a dog", url: "http://a" }],
  },
  {
    name: "a JSON array in a .tsv file is read as JSON",
    file: "rows.tsv",
    content: JSON_ROWS,
    format: "json",
    fields: [{ caption: "a dog", url: "http://a" }],
  },
  {
    name: "JSON Lines declared as csv are read as JSON Lines",
    file: "rows.csv",
    content: '{"url": "http://a"}\n{"url": "http://b"}\n',
    inputFormat: "csv",
    format: "jsonl",
    fields: [{ url: "http://a" }, { url: "http://b" }],
  },
  {
    name: "JSON Lines in a .json file are read as JSON Lines",
    file: "lines.json",
    content: '{"url": "http://a"}\n',
    format: "jsonl",
    fields: [{ url: "http://a" }],
  },
  {
    name: "gzip is found by its magic bytes, whatever the name",
    file: "plain.tsv",
    content: gzipSync("url\nhttp://a\n"),
    format: "tsv",
    compressed: true,
    fields: [{ url: "http://a" }],
  },
  {
    name: "gzipped JSON declared as plain tsv is read as JSON",
    file: "seed",
    content: gzipSync(JSON_ROWS),
    inputFormat: "tsv",
    format: "json",
    compressed: true,
    fields: [{ caption: "a dog", url: "http://a" }],
  },
  {
    name: "a name ending in .gz that is not gzip is read as is",
    file: "rows.tsv.gz",
    content: "url\nhttp://a\n",
    format: "tsv",
    compressed: false,
    fields: [{ url: "http://a" }],
  },
  {
    name: "without a declared format or known extension, csv",
    file: "rows.data",
    content: "url,caption\nhttp://a,dog\n",
    format: "csv",
    fields: [{ url: "http://a", caption: "dog" }],
  },
  {
    name: "the declared format wins over the extension",
    file: "rows.csv",
    content: "url\tcaption\nhttp://a\tdog, cat\n",
    inputFormat: "tsv",
    format: "tsv",
    fields: [{ url: "http://a", caption: "dog, cat" }],
  },
  { name: "a BOM before a JSON array", file: "bom.json", content: `${BOM} \n${JSON_ROWS}`, format: "json", fields: [{ caption: "a dog", url: "http://a" }] },
  {
    name: "a BOM before a csv header is not part of the first column",
    file: "bom.csv",
    content: `${BOM}url,caption\nhttp://a,dog\n`,
    format: "csv",
    fields: [{ url: "http://a", caption: "dog" }],
  },
  { name: "a BOM before JSON Lines", file: "bom.jsonl", content: `${BOM}{"url": "http://a"}\n`, format: "jsonl", fields: [{ url: "http://a" }] },
  { name: "a 0-byte file", file: "empty.json", content: "", format: "json", fields: [] },
  { name: "a whitespace-only file", file: "blank.csv", content: "  \n\t\r\n  ", format: "csv", fields: [] },
  { name: "a BOM-only file", file: "bom-only.tsv", content: BOM, format: "tsv", fields: [] },
  { name: "a gzipped empty file", file: "empty.tsv.gz", content: gzipSync(""), format: "tsv", compressed: true, fields: [] },
  { name: "an empty array", file: "empty-array.json", content: "[]", format: "json", fields: [] },
  { name: "a BOM and an empty array", file: "bom-array.json", content: `${BOM}[ \n ]\n`, format: "json", fields: [] },
  { name: "a csv header without rows", file: "header.csv", content: "url,caption\n", format: "csv", fields: [] },
];

for (const { name, file: fileName, content, inputFormat, format, compressed = false, fields } of SNIFF) {
  test(`manifest: ${name}`, async () => {
    const path = file(fileName);
    await writeFile(path, content);
    const result = await readAll(path, inputFormat === undefined ? undefined : { inputFormat });
    assert.equal(result.error, undefined);
    assert.equal(result.source.format, format);
    assert.equal(result.source.compressed, compressed);
    assert.deepEqual(
      result.rows.map((row) => row.fields),
      fields,
    );
  });
}

test("manifest: parquet input is refused with a clear error", async () => {
  const declared = file("rows.csv");
  await writeFile(declared, "url\nhttp://a\n");
  await assert.rejects(openManifest(declared, { inputFormat: "parquet" }), (error: unknown) => {
    assert.ok(error instanceof ManifestError);
    assert.match(error.message, /parquet input isn't supported yet/);
    return true;
  });
  const magic = file("rows.bin");
  await writeFile(magic, Buffer.concat([Buffer.from("PAR1"), Buffer.alloc(64)]));
  await assert.rejects(openManifest(magic, { inputFormat: "tsv" }), /parquet input isn't supported yet/);
});

test("manifest: an unknown inputFormat is refused naming what is accepted", async () => {
  const path = file("rows.tsv");
  await writeFile(path, "url\n");
  await assert.rejects(openManifest(path, { inputFormat: "xml" }), {
    name: "RangeError",
    message: 'Expected one of txt, csv, tsv, json, jsonl, parquet (optionally with .gz) for inputFormat but received "xml"',
  });
});

test("manifest: a missing file rejects openManifest", async () => {
  await assert.rejects(openManifest(file("missing.json")), { code: "ENOENT" });
});

test("manifest: rows can be iterated again from the start", async () => {
  const path = file("again.json");
  await writeFile(path, JSON_ROWS);
  const source = await openManifest(path);
  for (let pass = 0; pass < 2; pass++) {
    const rows = [];
    for await (const row of source.rows) rows.push(row);
    assert.deepEqual(rows, [{ index: 0, end: JSON_ROWS.lastIndexOf("}") + 1, fields: { caption: "a dog", url: "http://a" } }]);
  }
});
