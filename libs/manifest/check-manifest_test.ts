import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { test } from "node:test";
import { gzipSync } from "node:zlib";
import { checkManifest, ManifestShapeError, type RequiredColumn } from "./check-manifest.ts";
import { tempFiles } from "./testing.ts";

const file = tempFiles();
const URL_AND_CAPTION: readonly RequiredColumn[] = [
  { name: "url", option: "--url_col" },
  { name: "caption", option: "--caption_col" },
];

interface CheckCase {
  readonly name: string;
  readonly file: string;
  readonly content: string | Buffer;
  readonly inputFormat?: string;
  readonly columns?: readonly RequiredColumn[];
  /** The whole message after the path, or undefined when the manifest passes. */
  readonly message?: string;
}

const CASES: readonly CheckCase[] = [
  {
    name: "a TSV header with other names",
    file: "upper.tsv",
    content: "URL\tTEXT\nhttp://a\tdog\n",
    inputFormat: "tsv",
    message: '"url" (--url_col), "caption" (--caption_col) not in the header; columns found: "URL", "TEXT"',
  },
  {
    name: "a header-less TSV (its first row taken as the header)",
    file: "bare.tsv",
    content: "http://a\tdog\nhttp://b\tcat\n",
    inputFormat: "tsv",
    message: '"url" (--url_col), "caption" (--caption_col) not in the header; columns found: "http://a", "dog"',
  },
  {
    name: "a CSV missing one save_additional_columns entry",
    file: "extra.csv",
    content: "url,caption,similarity\nhttp://a,dog,0.3\n",
    inputFormat: "csv",
    columns: [...URL_AND_CAPTION, { name: "similarity", option: "--save_additional_columns" }, { name: "hash", option: "--save_additional_columns" }],
    message: '"hash" (--save_additional_columns) not in the header; columns found: "url", "caption", "similarity"',
  },
  { name: "a CSV with every column", file: "good.csv", content: "caption,url\ndog,http://a\n", inputFormat: "csv" },
  { name: "a gzipped TSV with every column", file: "good.tsv.gz", content: gzipSync("url\tcaption\nhttp://a\tdog\n"), inputFormat: "tsv.gz" },
  {
    name: "a JSON array whose first row lacks url",
    file: "nourl.json",
    content: '[{"URL": "http://a", "caption": "dog"}, {"url": "http://b", "caption": "cat"}]',
    inputFormat: "json",
    message: '"url" (--url_col) not in the first row; columns found: "URL", "caption"',
  },
  {
    name: "JSON Lines whose first row lacks caption",
    file: "nocaption.jsonl",
    content: '{"url": "http://a"}\n{"url": "http://b"}\n',
    inputFormat: "jsonl",
    message: '"caption" (--caption_col) not in the first row; columns found: "url"',
  },
  {
    name: "a JSON array whose first row does not parse as an object: the first one that does is checked",
    file: "scalar.json",
    content: '["http://a", {"url": "http://b", "caption": "cat"}]',
    inputFormat: "json",
  },
  { name: "a 0-byte file", file: "empty.json", content: "", inputFormat: "json", message: "empty manifest" },
  { name: "a whitespace-only TSV", file: "blank.tsv", content: " \n\n", inputFormat: "tsv", message: "empty manifest" },
  { name: "an empty array", file: "empty-array.json", content: "[ ]\n", inputFormat: "json", message: "empty manifest" },
  { name: "a header and no rows", file: "header.csv", content: "url,caption\n", inputFormat: "csv", message: "empty manifest (a header and no rows)" },
  { name: "a gzipped empty file", file: "empty.jsonl.gz", content: gzipSync(""), inputFormat: "jsonl.gz", message: "empty manifest" },
  {
    name: "an object wrapping the rows, on one line",
    file: "wrapped.json",
    content: '  {"rows": [{"url": "http://a", "caption": "dog"}]}\n',
    inputFormat: "json",
    message: "expected a JSON array of rows, found an object at byte 2",
  },
  {
    name: "an object wrapping the rows, pretty-printed",
    file: "pretty.json",
    content: '{\n  "rows": []\n}\n',
    inputFormat: "json",
    message: "expected '[': the top level must be an array of rows, found an object at byte 0, line 1",
  },
  {
    name: "a top-level string",
    file: "string.json",
    content: '\n"http://a"\n',
    inputFormat: "json",
    message: "expected '[': the top level must be an array of rows, found a string at byte 1, line 2",
  },
  {
    name: "a one-row JSON Lines file named .json is a row, not a wrapper",
    file: "one.json",
    content: '{"url": "http://a", "caption": "dog"}\n',
    inputFormat: "json",
  },
  {
    name: "a first row cut short",
    file: "cut.json",
    content: '[{"url": "http://a", "capt',
    inputFormat: "json",
    message: "unexpected end of input in row 0, which starts at byte 1 at byte 26, line 1",
  },
];

for (const c of CASES) {
  test(`checkManifest: ${c.name}`, async () => {
    const path = file(c.file);
    await writeFile(path, c.content);
    const check = checkManifest(path, { ...(c.inputFormat ? { inputFormat: c.inputFormat } : {}), columns: c.columns ?? URL_AND_CAPTION });
    if (c.message === undefined) {
      await check;
      return;
    }
    await assert.rejects(check, (error: unknown) => {
      assert.ok(error instanceof ManifestShapeError);
      assert.equal(error.message, `${path}: ${c.message}`);
      return true;
    });
  });
}
