import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { test } from "node:test";
import { readAll, tempFiles, withoutEnd } from "./testing.ts";

const file = tempFiles();

test("manifest: bad JSON Lines rows are error rows, blank lines are skipped", async () => {
  const path = file("rows.jsonl");
  const lines = ['{"url": "http://a"}', "", "   ", '{"url": ', "[1]", '"s"', '{"url": "http://b"}\r', "\xff", '{"url": "http://c"}'];
  await writeFile(path, Buffer.concat(lines.map((line) => Buffer.from(`${line}\n`, line === "\xff" ? "latin1" : "utf8"))));
  const { rows, error } = await readAll(path);
  assert.equal(error, undefined);
  assert.deepEqual(rows.map(withoutEnd), [
    { index: 0, fields: { url: "http://a" } },
    { index: 1, fields: {}, error: "invalid JSON row: Unexpected end of JSON input" },
    { index: 2, fields: {}, error: "row is not a JSON object" },
    { index: 3, fields: {}, error: "row is not a JSON object" },
    { index: 4, fields: { url: "http://b" } },
    { index: 5, fields: {}, error: "invalid JSON row: invalid UTF-8" },
    { index: 6, fields: { url: "http://c" } },
  ]);
});

test("manifest: txt rows are trimmed URLs, blank lines skipped", async () => {
  const path = file("urls.txt");
  await writeFile(path, Buffer.concat([Buffer.from("http://a\n\n  http://b  \r\n"), Buffer.from([0xff, 0x0a]), Buffer.from("http://c")]));
  const { rows, error } = await readAll(path);
  assert.equal(error, undefined);
  assert.deepEqual(rows.map(withoutEnd), [
    { index: 0, fields: { url: "http://a" } },
    { index: 1, fields: { url: "http://b" } },
    { index: 2, fields: {}, error: "invalid UTF-8 in URL line" },
    { index: 3, fields: { url: "http://c" } },
  ]);
});

test("manifest: lines are decoded in regions of 32 KiB, a longer line whole; every row ends where its line does", async () => {
  const captions = ["short", "é".repeat(25_000), "x".repeat(40_000), ...Array.from({ length: 2_000 }, (_, i) => `caption ${i} ü`)];
  const text = captions.map((caption, i) => `${JSON.stringify({ url: `http://h/${i}`, caption })}\n`).join("");
  for (const [name, body] of [
    ["rows.jsonl", text],
    ["rows.tsv", `url\tcaption\n${captions.map((caption, i) => `http://h/${i}\t${caption}\n`).join("")}`],
  ] as const) {
    const path = file(name);
    await writeFile(path, body);
    const { rows, error } = await readAll(path);
    assert.equal(error, undefined, name);
    assert.deepEqual(
      rows.map((row) => row.fields.caption),
      captions,
      name,
    );
    // a row's end is the byte just after its line feed
    const bytes = Buffer.from(body);
    for (const row of rows) assert.equal(bytes[row.end - 1], 0x0a, `${name} row ${row.index}`);
    assert.equal(rows.at(-1)!.end, bytes.length, name);
  }
});
