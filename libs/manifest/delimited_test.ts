import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { test } from "node:test";
import { ManifestError } from "./manifest-error.ts";
import { readAll, tempFiles } from "./testing.ts";

const file = tempFiles();

const PARSED: readonly { name: string; format: "csv" | "tsv"; content: string; fields: Record<string, string>[] }[] = [
  {
    name: "missing columns are absent and extra ones ignored",
    format: "csv",
    content: "caption,url,extra\na dog\nb,http://b,e,f,g\n",
    fields: [{ caption: "a dog" }, { caption: "b", url: "http://b", extra: "e" }],
  },
  {
    name: "quoted fields hold delimiters, doubled quotes, tabs and line breaks",
    format: "csv",
    content: 'caption,url\n"a, ""b""\tc\nd\r\ne",http://a\n',
    fields: [{ caption: 'a, "b"\tc\nd\r\ne', url: "http://a" }],
  },
  {
    name: "CRLF line endings are not part of the last field",
    format: "tsv",
    content: 'caption\turl\r\na\thttp://a\r\n"b"\thttp://b\r\n"c"\t"http://c"\r\n',
    fields: [
      { caption: "a", url: "http://a" },
      { caption: "b", url: "http://b" },
      { caption: "c", url: "http://c" },
    ],
  },
  {
    name: "a quote inside an unquoted field is an ordinary character",
    format: "tsv",
    content: 'caption\turl\na 12" pizza\thttp://a\n',
    fields: [{ caption: 'a 12" pizza', url: "http://a" }],
  },
  {
    name: "empty lines are skipped and the last line needs no line feed",
    format: "tsv",
    content: "caption\turl\n\n\thttp://a\n\r\n\nb\thttp://b",
    fields: [
      { caption: "", url: "http://a" },
      { caption: "b", url: "http://b" },
    ],
  },
];

for (const { name, format, content, fields } of PARSED) {
  test(`manifest: ${format}: ${name}`, async () => {
    const path = file(`parsed.${format}`);
    await writeFile(path, content);
    const { rows, error } = await readAll(path);
    assert.equal(error, undefined);
    assert.deepEqual(
      rows.map((row) => row.fields),
      fields,
    );
    assert.deepEqual(
      rows.map((row) => row.index),
      fields.map((_, i) => i),
    );
  });
}

const BROKEN: readonly { name: string; content: Buffer; rows: number; offset: number; line: number; reason: RegExp }[] = [
  {
    name: "an unclosed quote",
    content: Buffer.from('caption,url\na,http://a\n"b,http://b\nc,http://c\n'),
    rows: 1,
    offset: 23,
    line: 3,
    reason: /unclosed quoted field/,
  },
  {
    name: "an unclosed quote after multi-byte characters",
    content: Buffer.from('caption,url\ncaf\u00e9 \u{1f600},http://a\nb,"http://b\n'),
    rows: 1,
    offset: Buffer.from("caption,url\ncaf\u00e9 \u{1f600},http://a\nb,").length,
    line: 3,
    reason: /unclosed quoted field/,
  },
  {
    name: "an invalid UTF-8 byte",
    content: Buffer.concat([Buffer.from("caption,url\na,http://a\ncaf"), Buffer.from([0xe9]), Buffer.from(",http://b\n")]),
    rows: 1,
    offset: 26,
    line: 3,
    reason: /invalid UTF-8/,
  },
];

for (const { name, content, rows, offset, line, reason } of BROKEN) {
  test(`manifest: a csv manifest with ${name} fails at byte ${offset}`, async () => {
    const path = file("broken.csv");
    await writeFile(path, content);
    const result = await readAll(path);
    assert.equal(result.rows.length, rows);
    assert.ok(result.error instanceof ManifestError, String(result.error));
    assert.equal(result.error.offset, offset);
    assert.equal(result.error.line, line);
    assert.match(result.error.message, reason);
  });
}
