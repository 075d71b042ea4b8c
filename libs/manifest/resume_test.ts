import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { test } from "node:test";
import { gzipSync } from "node:zlib";
import { ManifestError } from "./manifest-error.ts";
import { readAll, tempFiles, TRICKY_ROWS, withoutEnd } from "./testing.ts";
import { writeManifest } from "./write-manifest.ts";
import type { ManifestFormat } from "./types.ts";

const file = tempFiles();
const ROWS = TRICKY_ROWS.map((row, i) => ({ ...row, url: `${row.url}&n=${i}` }));

interface Case {
  name: string;
  file: string;
  content: Buffer;
  inputFormat: string;
}

async function written(format: ManifestFormat, rows: readonly Record<string, unknown>[]): Promise<Buffer> {
  const path = file(`written.${format}`);
  await writeManifest(path, rows, format);
  return readFile(path);
}

async function cases(): Promise<Case[]> {
  const txt = Buffer.from(ROWS.map((row) => row.url).join("\n\n") + "\n");
  const json = await written("json", ROWS);
  return [
    { name: "json", file: "rows.json", content: json, inputFormat: "json" },
    {
      name: "json (compact, scalar rows)",
      file: "compact.json",
      content: Buffer.from('[{"url":"a"},1,"x",{"url":"b"} ,null,{"url":"c"}]'),
      inputFormat: "json",
    },
    { name: "jsonl", file: "rows.jsonl", content: await written("jsonl", ROWS), inputFormat: "jsonl" },
    { name: "csv", file: "rows.csv", content: await written("csv", ROWS), inputFormat: "csv" },
    { name: "tsv", file: "rows.tsv", content: await written("tsv", ROWS), inputFormat: "tsv" },
    {
      name: "csv with a BOM and CRLF",
      file: "bom.csv",
      content: Buffer.from('\uFEFFurl,caption\r\nhttp://a,"x\r\ny"\r\n\r\nhttp://b,é\r\nhttp://c,z'),
      inputFormat: "csv",
    },
    { name: "txt", file: "rows.txt", content: txt, inputFormat: "txt" },
    { name: "json.gz", file: "rows.json.gz", content: gzipSync(json), inputFormat: "json.gz" },
  ];
}

test("manifest: resumeAt a row's end gives exactly the rows after it, in every format", async () => {
  for (const c of await cases()) {
    const path = file(c.file);
    await writeFile(path, c.content);
    const all = await readAll(path, { inputFormat: c.inputFormat });
    assert.equal(all.error, undefined, c.name);
    assert.ok(all.rows.length >= 3, c.name);
    for (let i = 0; i < all.rows.length; i++) {
      const row = all.rows[i]!;
      assert.equal(row.index, i, c.name);
      if (i > 0) assert.ok(row.end > all.rows[i - 1]!.end, `${c.name}: ends increase`);
      const rest = await readAll(path, { inputFormat: c.inputFormat, resumeAt: { offset: row.end, index: i + 1 } });
      assert.equal(rest.error, undefined, `${c.name} from row ${i}: ${String(rest.error)}`);
      assert.deepEqual(rest.rows, all.rows.slice(i + 1), `${c.name} from row ${i}`);
    }
    const fromStart = await readAll(path, { inputFormat: c.inputFormat, resumeAt: { offset: 0, index: 0 } });
    assert.deepEqual(fromStart.rows, all.rows, c.name);
  }
});

test("manifest: the bytes before the resume point are never parsed", async () => {
  const path = file("garbage.jsonl");
  const lines = ['{"url": "http://a"}', '{"url": "http://b"}', '{"url": "http://c"}'];
  const text = `${lines.join("\n")}\n`;
  const first = lines[0]!.length + 1;
  await writeFile(path, `${"\u0000".repeat(first - 1)}\n${lines.slice(1).join("\n")}\n`);
  const { rows } = await readAll(path, { inputFormat: "jsonl", resumeAt: { offset: first, index: 1 } });
  assert.deepEqual(rows.map(withoutEnd), [
    { index: 1, fields: { url: "http://b" } },
    { index: 2, fields: { url: "http://c" } },
  ]);
  assert.equal(rows[1]!.end, Buffer.byteLength(text));
});

test("manifest: errors after the resume point report absolute byte offsets", async () => {
  const json = '[{"url": "a"}, {"url": "b"}, {"url": "c"} x]';
  const bad = json.indexOf("x");
  for (const [name, content] of [
    ["bad.json", Buffer.from(json)],
    ["bad.json.gz", gzipSync(json)],
  ] as const) {
    const path = file(name);
    await writeFile(path, content);
    const all = await readAll(path, { inputFormat: "json" });
    assert.ok(all.error instanceof ManifestError);
    assert.equal(all.error.offset, bad);
    const rest = await readAll(path, { inputFormat: "json", resumeAt: { offset: all.rows[0]!.end, index: 1 } });
    assert.deepEqual(rest.rows.map(withoutEnd), [
      { index: 1, fields: { url: "b" } },
      { index: 2, fields: { url: "c" } },
    ]);
    assert.ok(rest.error instanceof ManifestError, name);
    assert.equal(rest.error.offset, bad, name);
    assert.match(rest.error.message, new RegExp(`at byte ${bad}$`));
  }
  const csv = 'url,caption\nhttp://a,x\nhttp://b,"never closed\n';
  const path = file("bad.csv");
  await writeFile(path, csv);
  const all = await readAll(path, { inputFormat: "csv" });
  const rest = await readAll(path, { inputFormat: "csv", resumeAt: { offset: all.rows[0]!.end, index: 1 } });
  assert.ok(all.error instanceof ManifestError && rest.error instanceof ManifestError);
  assert.equal(rest.error.offset, csv.indexOf('"never'));
  assert.equal(rest.error.offset, all.error.offset);
});
