import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { startFixtureServer, type FixtureServer } from "@laion-dl/testing";

const laionDl = join(import.meta.dirname, "..", "..", "bin", "laion-dl");
let server: FixtureServer;
let work: string;

before(async () => {
  server = await startFixtureServer();
  work = await mkdtemp(join(tmpdir(), "laion-dl-wrong-input-"));
});

after(async () => {
  await server.close();
  await rm(work, { recursive: true, force: true });
});

const image = (i: number) => `${server.baseUrl}/img/photo/${i}/32x32.jpg`;

interface WrongInputCase {
  readonly name: string;
  readonly file: string;
  readonly content: () => string;
  readonly args?: readonly string[];
  readonly message: string;
}

const CASES: readonly WrongInputCase[] = [
  {
    name: "a TSV header without url_col",
    file: "upper.tsv",
    content: () => `URL\tTEXT\n${image(0)}\tdog\n${image(1)}\tcat\n`,
    args: ["--input_format", "tsv"],
    message: '"url" (--url_col), "caption" (--caption_col) not in the header; columns found: "URL", "TEXT"',
  },
  {
    name: "a CSV header without a save_additional_columns entry",
    file: "extra.csv",
    content: () => `url,caption\n${image(0)},dog\n`,
    args: ["--input_format", "csv", "--save_additional_columns", "[similarity]"],
    message: '"similarity" (--save_additional_columns) not in the header; columns found: "url", "caption"',
  },
  {
    name: "a JSON array whose first row has no url",
    file: "nourl.json",
    content: () => JSON.stringify([{ URL: image(0), caption: "dog" }]),
    args: ["--input_format", "json"],
    message: '"url" (--url_col) not in the first row; columns found: "URL", "caption"',
  },
  {
    name: "JSON Lines whose first row has no caption",
    file: "nocaption.jsonl",
    content: () => `{"url": "${image(0)}"}\n{"url": "${image(1)}"}\n`,
    args: ["--input_format", "jsonl"],
    message: '"caption" (--caption_col) not in the first row; columns found: "url"',
  },
  { name: "an empty JSON file", file: "empty.json", content: () => "", args: ["--input_format", "json"], message: "empty manifest" },
  {
    name: "a CSV with a header and no rows",
    file: "header.csv",
    content: () => "url,caption\n",
    args: ["--input_format", "csv"],
    message: "empty manifest (a header and no rows)",
  },
  {
    name: "an object wrapping the rows",
    file: "wrapped.json",
    content: () => `{"rows": [{"url": "${image(0)}", "caption": "dog"}]}`,
    args: ["--input_format", "json"],
    message: "expected a JSON array of rows, found an object at byte 0",
  },
  {
    name: "a pretty-printed object",
    file: "pretty.json",
    content: () => `{\n "caption": "one row",\n "url": "${image(0)}"\n}\n`,
    args: ["--input_format", "json"],
    message: "expected '[': the top level must be an array of rows, found an object at byte 0, line 1",
  },
];

for (const c of CASES) {
  test(`wrong input: ${c.name} exits 2 naming it, before any download or shard`, async () => {
    const path = join(work, c.file);
    await writeFile(path, c.content());
    const output = join(work, `out-${c.file}`);
    const run = promisify(execFile)(laionDl, [
      "download",
      "--url_list",
      path,
      "--caption_col",
      "caption",
      "--output_folder",
      output,
      "--allow_private_network",
      "True",
      ...(c.args ?? []),
    ]);
    await assert.rejects(run, (error: { code: number; stderr: string }) => {
      assert.equal(error.code, 2);
      assert.equal(error.stderr, `laion-dl: ManifestShapeError: ${path}: ${c.message}\n`);
      return true;
    });
    assert.deepEqual(await readdir(output).catch(() => []), [], "no shard, no job folder");
    assert.equal(server.requestCount(), 0, "no request made");
  });
}

test("wrong input: when every row of the first shard fails the same way, a warning names the message; stats' duration is end_time - start_time", async () => {
  const path = join(work, "all-404.json");
  const rows = Array.from({ length: 6 }, (_, i) => ({ url: `${server.baseUrl}/status/404?row=${i}`, caption: `row ${i}` }));
  await writeFile(path, JSON.stringify(rows));
  const output = join(work, "out-all-404");
  const { stderr } = await promisify(execFile)(laionDl, [
    "download",
    "--url_list",
    path,
    "--input_format",
    "json",
    "--caption_col",
    "caption",
    "--output_folder",
    output,
    "--allow_private_network",
    "True",
    "--number_sample_per_shard",
    "4",
  ]);
  const warnings = stderr.split("\n").filter((line) => line.includes("warning"));
  assert.deepEqual(warnings, [
    'laion-dl: warning: all 4 rows of shard 00000 failed with "HTTP Error 404: Not Found"; the rest of the run may fail the same way',
  ]);
  for (const shard of ["00000", "00001"]) {
    const stats = JSON.parse(await readFile(join(output, `${shard}_stats.json`), "utf8")) as { duration: number; start_time: number; end_time: number };
    assert.equal(stats.duration, stats.end_time - stats.start_time);
  }
});
