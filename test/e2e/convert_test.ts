import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { openManifest, writeManifest } from "@laion-dl/manifest";
import { TRICKY_CAPTIONS } from "@laion-dl/testing";

const laionDl = join(import.meta.dirname, "..", "..", "bin", "laion-dl");
let work: string;

before(async () => {
  work = await mkdtemp(join(tmpdir(), "laion-dl-convert-"));
});

after(async () => {
  await rm(work, { recursive: true, force: true });
});

test("convert: quotes tabs, quotes and line breaks as pandas' to_csv(sep='\\t') does", async () => {
  const input = join(work, "small.json");
  await writeManifest(
    input,
    [
      { caption: "a\tb", url: "http://a/1.jpg" },
      { caption: 'say "hi"', url: "http://a/2.jpg" },
      { caption: "line 1\nline 2", url: "http://a/3.jpg" },
      { caption: "plain", url: "http://a/4.jpg?x=1,2" },
    ],
    "json",
  );
  const output = join(work, "small.tsv");
  const { stdout } = await promisify(execFile)(laionDl, ["convert", input, "-o", output]);
  assert.match(stdout, /small\.tsv: 4 rows\n/);
  assert.equal(
    await readFile(output, "utf8"),
    'caption\turl\n"a\tb"\thttp://a/1.jpg\n"say ""hi"""\thttp://a/2.jpg\n"line 1\nline 2"\thttp://a/3.jpg\nplain\thttp://a/4.jpg?x=1,2\n',
  );
});

test("convert: the seed's JSON round-trips through our TSV reader, tricky captions included", async () => {
  const rows = Array.from({ length: 3000 }, (_, i) => ({
    caption: TRICKY_CAPTIONS[i % TRICKY_CAPTIONS.length]!,
    url: `http://127.0.0.1:9/${i}.jpg?q="x"&t=\t`,
  }));
  const input = join(work, "seed.json");
  await writeManifest(input, rows, "json");
  const output = join(work, "seed.tsv");
  await promisify(execFile)(laionDl, ["convert", input, "-o", output, "--progress_interval", "0.1"]);
  const source = await openManifest(output, { inputFormat: "tsv" });
  assert.equal(source.format, "tsv");
  const read: Record<string, unknown>[] = [];
  for await (const row of source.rows) read.push(row.fields);
  assert.deepEqual(read, rows);
});
