import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { test } from "node:test";
import { gzipSync } from "node:zlib";
import { ManifestError } from "./manifest-error.ts";
import { readAll, tempFiles, withoutEnd } from "./testing.ts";
import { writeManifest } from "./write-manifest.ts";

const file = tempFiles();

interface BrokenCase {
  name: string;
  input: Buffer;
  /** Rows that must come out before the error. */
  rows: number;
  offset: number;
  line: number;
  reason: RegExp;
}

function broken(name: string, text: string | Buffer, at: (input: Buffer) => number, rows: number, reason: RegExp): BrokenCase {
  const input = Buffer.from(text);
  const offset = at(input);
  const line = input.subarray(0, offset).filter((byte) => byte === 0x0a).length + 1;
  return { name, input, rows, offset, line, reason };
}

const BROKEN: readonly BrokenCase[] = [
  broken(
    "truncated mid-object",
    '[\n    {"url": "a"},\n    {"url": "b", "capt',
    (b) => b.length,
    1,
    /unexpected end of input in row 1, which starts at byte 24/,
  ),
  broken("truncated between rows", '[\n    {"url": "a"},\n', (b) => b.length, 1, /the array is not closed/),
  broken("trailing garbage after ']'", '[{"url": "a"}]\n\n  garbage', (b) => b.indexOf("garbage"), 1, /after the end of the array/),
  broken("a top-level object", '{\n    "url": "a"\n}\n', () => 0, 0, /top level must be an array/),
  broken(
    "an invalid UTF-8 byte",
    Buffer.concat([Buffer.from('[{"url": "a"},\n {"caption": "caf\u00e9 \u{1f600}'), Buffer.from([0xff]), Buffer.from('", "url": "b"}]')]),
    (b) => b.indexOf(0xff),
    1,
    /row 1: invalid UTF-8/,
  ),
  broken("a missing comma", '[{"url": "a"} {"url": "b"}]', (b) => b.indexOf('{"url": "b"'), 1, /expected ',' or ']' after a row/),
  broken("a trailing comma", '[{"url": "a"},\n]', (b) => b.indexOf("]"), 1, /expected a row/),
  broken("a missing colon", '[{"url": "a"},\n {"url" "b"}]', (b) => b.indexOf('"b"'), 1, /row 1: invalid JSON \(Expected ':' after property name\)/),
  // Rows are parsed in batches of 32 KiB: the bad row here is in the fourth, the rows before it all come out.
  broken(
    "a missing colon after 100 KB of good rows",
    `[${Array.from({ length: 1000 }, (_, i) => `{"url": "http://example.com/${i}.jpg", "caption": "caf\u00e9 ${"x".repeat(60)}"}`).join(",\n")},\n {"url" "b"}]`,
    (b) => b.indexOf('"b"'),
    1000,
    /row 1000: invalid JSON \(Expected ':' after property name\)/,
  ),
  broken("a control character in a string", '[{"url": "a\nb"}]', (b) => b.indexOf("\n"), 0, /Bad control character/),
  // V8 names no position for an unexpected token: the offset is the row's start
  broken("an unexpected token", '[{"url": "a"}, {"url": tru}]', (b) => b.indexOf('{"url": tru'), 1, /Unexpected token/),
];

for (const { name, input, rows, offset, line, reason } of BROKEN) {
  for (const gzip of [false, true]) {
    test(`manifest: a JSON manifest with ${name}${gzip ? " (gzipped)" : ""} fails at byte ${offset}`, async () => {
      const path = file(`broken-${offset}-${rows}-${gzip}.json`);
      await writeFile(path, gzip ? gzipSync(input) : input);
      const result = await readAll(path, { inputFormat: "json" });
      assert.equal(result.rows.length, rows);
      assert.ok(result.error instanceof ManifestError, String(result.error));
      assert.equal(result.error.offset, offset);
      assert.equal(result.error.line, line);
      assert.match(result.error.message, reason);
      assert.match(result.error.message, new RegExp(`at byte ${offset}, line ${line}$`));
    });
  }
}

test("manifest: non-object JSON rows are error rows and reading goes on", async () => {
  const path = file("mixed.json");
  await writeFile(path, '[1, "s", null, [1, 2], {"url": "a"}, true, -2.5e3, {}]');
  const { rows, error } = await readAll(path);
  assert.equal(error, undefined);
  assert.deepEqual(rows.map(withoutEnd), [
    { index: 0, fields: {}, error: "row is not a JSON object" },
    { index: 1, fields: {}, error: "row is not a JSON object" },
    { index: 2, fields: {}, error: "row is not a JSON object" },
    { index: 3, fields: {}, error: "row is not a JSON object" },
    { index: 4, fields: { url: "a" } },
    { index: 5, fields: {}, error: "row is not a JSON object" },
    { index: 6, fields: {}, error: "row is not a JSON object" },
    { index: 7, fields: {} },
  ]);
});

test("manifest: errors deep in a large JSON manifest carry their offset in the whole input", async () => {
  const many = Array.from({ length: 20_000 }, (_, i) => ({ caption: `caption ${i} caf\u00e9`, url: `https://example.com/${i}.jpg` }));
  const path = file("large.json");
  await writeManifest(path, many, "json");
  const good = await readFile(path);
  assert.ok(good.length > 1_600_000);
  const badByte = good.indexOf('"caption": "', 1_300_000) + 12;
  const rowsBefore = good.subarray(0, badByte).toString().split('"caption"').length - 2;
  const cases = [
    { name: "trailing garbage", input: Buffer.concat([good, Buffer.from("oops")]), offset: good.length, rows: many.length },
    { name: "truncation", input: good.subarray(0, 1_500_000), offset: 1_500_000 },
    {
      name: "invalid UTF-8",
      input: Buffer.concat([good.subarray(0, badByte), Buffer.from([0xc3, 0x28]), good.subarray(badByte + 2)]),
      offset: badByte,
      rows: rowsBefore,
    },
  ];
  for (const { name, input, offset, rows } of cases) {
    for (const gzip of [false, true]) {
      await writeFile(path, gzip ? gzipSync(input) : input);
      const result = await readAll(path);
      assert.ok(result.error instanceof ManifestError, `${name}: ${String(result.error)}`);
      assert.equal(result.error.offset, offset, name);
      assert.equal(result.error.line, input.subarray(0, offset).filter((byte) => byte === 0x0a).length + 1, name);
      if (rows !== undefined) assert.equal(result.rows.length, rows, name);
      assert.deepEqual(
        result.rows.map((row) => row.fields),
        many.slice(0, result.rows.length),
        name,
      );
    }
  }
});

test("manifest: a truncated gzip file fails with a ManifestError after the rows it held", async () => {
  const many = Array.from({ length: 20_000 }, (_, i) => ({ caption: `caption ${i}`, url: `https://example.com/${i}.jpg` }));
  const path = file("cut.json.gz");
  await writeManifest(path, many, "json", { gzip: true });
  const whole = await readFile(path);
  await writeFile(path, whole.subarray(0, whole.length - 100));
  const { rows, error } = await readAll(path);
  assert.ok(error instanceof ManifestError, String(error));
  assert.match(error.message, /corrupt or truncated gzip data/);
  assert.ok(rows.length > 0);
  assert.deepEqual(
    rows.map((row) => row.fields),
    many.slice(0, rows.length),
  );
});
