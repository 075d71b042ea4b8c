import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { test } from "node:test";
import { gunzipSync } from "node:zlib";
import { tempFiles } from "./testing.ts";
import type { ManifestFormat } from "./types.ts";
import { writeManifest } from "./write-manifest.ts";

const file = tempFiles();

const ROWS = [
  { caption: 'say "hi", ok', url: "http://a" },
  { caption: "line\nbreak\tand tab", url: "http://b" },
  { caption: "plain", url: "http://c", extra: 3 },
];

const GOLDEN: readonly { name: string; format: ManifestFormat; rows: Record<string, unknown>[]; columns?: string[]; text: string }[] = [
  {
    name: "json in the seed's layout",
    format: "json",
    rows: ROWS.slice(0, 2),
    text:
      '[\n    {\n        "caption": "say \\"hi\\", ok", \n        "url": "http://a"\n    }, \n' +
      '    {\n        "caption": "line\\nbreak\\tand tab", \n        "url": "http://b"\n    }\n]\n',
  },
  { name: "json without rows", format: "json", rows: [], text: "[]\n" },
  {
    name: "jsonl with each row's own keys",
    format: "jsonl",
    rows: ROWS,
    text: '{"caption":"say \\"hi\\", ok","url":"http://a"}\n{"caption":"line\\nbreak\\tand tab","url":"http://b"}\n{"caption":"plain","url":"http://c","extra":3}\n',
  },
  {
    name: "csv with the first row's keys and RFC 4180 quoting",
    format: "csv",
    rows: ROWS,
    text: 'caption,url\n"say ""hi"", ok",http://a\n"line\nbreak\tand tab",http://b\nplain,http://c\n',
  },
  {
    name: "tsv quoting tabs, quotes and line breaks but not commas",
    format: "tsv",
    rows: [{ caption: "a, b", url: "http://a" }, ...ROWS],
    text: 'caption\turl\na, b\thttp://a\n"say ""hi"", ok"\thttp://a\n"line\nbreak\tand tab"\thttp://b\nplain\thttp://c\n',
  },
  {
    name: "csv with chosen columns, absent values empty",
    format: "csv",
    rows: ROWS,
    columns: ["url", "extra"],
    text: "url,extra\nhttp://a,\nhttp://b,\nhttp://c,3\n",
  },
  { name: "csv without rows but with columns", format: "csv", rows: [], columns: ["url"], text: "url\n" },
  { name: "txt with one URL per line", format: "txt", rows: ROWS, text: "http://a\nhttp://b\nhttp://c\n" },
];

for (const { name, format, rows, columns, text } of GOLDEN) {
  test(`manifest: writeManifest writes ${name}`, async () => {
    const path = file(`golden.${format}`);
    await writeManifest(path, rows, format, { columns });
    assert.equal(await readFile(path, "utf8"), text);
    await writeManifest(path, rows, format, { columns, gzip: true });
    assert.equal(gunzipSync(await readFile(path)).toString(), text);
  });
}

test("manifest: writeManifest takes rows from an async iterable", async () => {
  const path = file("async.jsonl");
  async function* rows() {
    for (const row of ROWS) yield row;
  }
  await writeManifest(path, rows(), "jsonl", { columns: ["url"] });
  assert.equal(await readFile(path, "utf8"), '{"url":"http://a"}\n{"url":"http://b"}\n{"url":"http://c"}\n');
});
