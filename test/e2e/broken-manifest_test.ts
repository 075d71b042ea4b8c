import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { parseDownloadOptions } from "@laion-dl/config";
import { writeManifest } from "@laion-dl/manifest";
import { MAX_CAPTION_BYTES, runDownload } from "@laion-dl/pipeline";
import { startFixtureServer, type FixtureServer } from "@laion-dl/testing";
import { readParquetRows } from "../helpers/shards.ts";

const repoRoot = join(import.meta.dirname, "..", "..");
const PER_SHARD = 4;
let server: FixtureServer;
let work: string;

before(async () => {
  server = await startFixtureServer();
  work = await mkdtemp(join(tmpdir(), "laion-dl-broken-"));
});

after(async () => {
  await server.close();
  await rm(work, { recursive: true, force: true });
});

/** Ten good rows (three shards of four), pretty-printed so rows sit on lines of their own. */
function manifestText(): string {
  const rows = Array.from({ length: 10 }, (_, i) => ({ caption: `caption ${i}`, url: `${server.baseUrl}/img/photo/${i}/32x32.jpg` }));
  return JSON.stringify(rows, null, 1);
}

const lineAt = (bytes: Buffer, offset: number) => bytes.subarray(0, offset).toString("latin1").split("\n").length;

interface BrokenCase {
  readonly name: string;
  readonly bytes: () => Buffer;
  /** Where reading must stop, and why. */
  readonly offset: (bytes: Buffer) => number;
  readonly reason: RegExp;
  /** Shards written before the error: every shard before the one holding it. */
  readonly shards: readonly string[];
}

const CASES: readonly BrokenCase[] = [
  {
    name: "truncated file",
    bytes: () => Buffer.from(manifestText().slice(0, manifestText().indexOf("/6/32x32"))),
    offset: (bytes) => bytes.length,
    reason: /unexpected end of input in row 6, which starts at byte \d+/,
    shards: ["00000"],
  },
  {
    name: "invalid UTF-8",
    bytes: () => {
      const bytes = Buffer.from(manifestText());
      bytes[bytes.indexOf("caption 5") + 2] = 0xff;
      return bytes;
    },
    offset: (bytes) => bytes.indexOf(0xff),
    reason: /row 5: invalid UTF-8/,
    shards: ["00000"],
  },
  {
    name: "trailing garbage",
    bytes: () => Buffer.from(`${manifestText()}\n{"caption": "stray"}`),
    offset: (bytes) => bytes.lastIndexOf("{"),
    reason: /unexpected data after the end of the array/,
    shards: ["00000", "00001"],
  },
];

for (const c of CASES) {
  test(`broken manifest: ${c.name} stops the run with its byte offset and line, after the shards before it`, async () => {
    const path = join(work, `${c.name.replace(/\W+/g, "-")}.json`);
    const bytes = c.bytes();
    await writeFile(path, bytes);
    const output = join(work, `out-${c.name.replace(/\W+/g, "-")}`);
    const cli = promisify(execFile)(join(repoRoot, "bin", "laion-dl"), [
      "download",
      "--url_list",
      path,
      "--input_format",
      "json",
      "--caption_col",
      "caption",
      "--output_folder",
      output,
      "--number_sample_per_shard",
      String(PER_SHARD),
      "--allow_private_network",
      "True",
    ]);
    await assert.rejects(cli, (error: { stderr: string; code: number }) => {
      assert.equal(error.code, 1);
      const offset = c.offset(bytes);
      const [line, ...rest] = error.stderr.trim().split("\n");
      assert.deepEqual(rest, [], "one line on stderr");
      assert.match(line!, new RegExp(`^laion-dl: ManifestError: ${path}: `));
      assert.match(line!, c.reason);
      assert.ok(line!.endsWith(` at byte ${offset}, line ${lineAt(bytes, offset)}`), line);
      return true;
    });
    const written = (await readdir(output).catch(() => [])).filter((name) => !name.startsWith("."));
    assert.deepEqual(
      written.sort(),
      c.shards.flatMap((shard) => [`${shard}.parquet`, `${shard}.tar`, `${shard}_stats.json`]),
    );
  });
}

test("manifest edge cases: a leading BOM reads like no BOM, an empty file or array writes no shard", async () => {
  const text = manifestText();
  const cases = [
    { name: "bom", bytes: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]), rows: 10 },
    { name: "empty", bytes: Buffer.alloc(0), rows: 0 },
    { name: "empty-array", bytes: Buffer.from("[]\n"), rows: 0 },
  ];
  for (const c of cases) {
    const path = join(work, `${c.name}.json`);
    await writeFile(path, c.bytes);
    const output = join(work, `out-${c.name}`);
    const summary = await runDownload(
      parseDownloadOptions({
        url_list: path,
        input_format: "json",
        caption_col: "caption",
        output_folder: output,
        number_sample_per_shard: String(PER_SHARD),
        allow_private_network: "True",
      }),
    );
    assert.deepEqual([summary.count, summary.successes], [c.rows, c.rows], c.name);
    if (c.rows) assert.equal((await readParquetRows(output))[0]!.caption, "caption 0", c.name);
  }
});

test("bad rows: each becomes a failed sample with a precise message; the run goes on", async () => {
  const good = `${server.baseUrl}/img/photo/1/32x32.jpg`;
  const rows: Array<[Record<string, unknown>, string, string | null]> = [
    [{ caption: "missing url" }, "failed_to_download", "missing url"],
    [{ caption: "null url", url: null }, "failed_to_download", "missing url"],
    [{ caption: "numeric url", url: 42 }, "failed_to_download", "url is not a string"],
    [{ caption: "invalid url", url: "not a url" }, "failed_to_download", "invalid URL"],
    [{ caption: "ftp url", url: "ftp://127.0.0.1/x.jpg" }, "failed_to_download", "unsupported URL scheme"],
    [{ caption: "javascript url", url: "javascript:alert(1)" }, "failed_to_download", "unsupported URL scheme"],
    [{ caption: null, url: good }, "success", null],
    [{ caption: 17, url: good }, "failed_to_download", "caption is not a string"],
    [{ caption: { text: "nested" }, url: good }, "failed_to_download", "caption is not a string"],
    [{ caption: "x".repeat(MAX_CAPTION_BYTES + 1), url: good }, "failed_to_download", `caption longer than ${MAX_CAPTION_BYTES} bytes`],
    [{ caption: "ok", url: good }, "success", null],
  ];
  const path = join(work, "bad-rows.json");
  await writeManifest(
    path,
    rows.map(([row]) => row),
    "json",
  );
  const output = join(work, "out-bad-rows");
  await runDownload(
    parseDownloadOptions({ url_list: path, input_format: "json", caption_col: "caption", output_folder: output, allow_private_network: "True" }),
  );
  const written = await readParquetRows(output);
  assert.deepEqual(
    written.map((row) => [row.status, row.error_message]),
    rows.map(([, status, message]) => [status, message]),
  );
  assert.equal(written[6]!.caption, null);
});
