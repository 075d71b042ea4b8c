import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { startFixtureServer, type FixtureServer } from "@laion-dl/testing";

const laionDl = join(import.meta.dirname, "..", "..", "bin", "laion-dl");
const ROWS = 24;
let server: FixtureServer;
let work: string;
let manifest: string;

before(async () => {
  server = await startFixtureServer();
  work = await mkdtemp(join(tmpdir(), "laion-dl-progress-"));
  manifest = join(work, "slow.json");
  // Slow answers (4 in flight, 300 ms each) keep the run going for a couple of seconds; every 6th is a 404.
  const rows = Array.from({ length: ROWS }, (_, i) => ({
    caption: `row ${i}`,
    url: i % 6 === 5 ? `${server.baseUrl}/status/404?row=${i}` : `${server.baseUrl}/slow/300/img/photo/${i}/32x32.jpg`,
  }));
  await writeFile(manifest, JSON.stringify(rows, null, 1));
});

after(async () => {
  await server.close();
  await rm(work, { recursive: true, force: true });
});

function downloadArgs(output: string): string[] {
  return [
    "download",
    "--url_list",
    manifest,
    "--input_format",
    "json",
    "--caption_col",
    "caption",
    "--output_folder",
    output,
    "--allow_private_network",
    "True",
    "--thread_count",
    "4",
    "--number_sample_per_shard",
    "12",
    "--progress_interval",
    "0.3",
  ];
}

// The point is to find control characters.
const CONTROL = /[\x00-\x09\x0b-\x1f\x7f]/;

test("progress: without a terminal, img2dataset-style lines every interval and no control characters", async () => {
  const { stdout } = await promisify(execFile)(laionDl, downloadArgs(join(work, "out-lines")));
  assert.doesNotMatch(stdout, CONTROL);
  const lines = stdout.trimEnd().split("\n");
  const progress = lines.filter((line) => line.startsWith("progress - "));
  assert.ok(progress.length >= 2, `${progress.length} progress lines in:\n${stdout}`);
  for (const line of progress) {
    assert.match(
      line,
      /^progress - rows: \d+\/\d+ \(\d+\.\d %\) - images per sec: \d+ - success: (\d\.\d{3}|-) - failures: .+ - shards done: \d\/\d - downloaded: [\d.]+ [kMG]B - eta: (\d+ s|\?)$/,
    );
  }
  const done = progress.map((line) => Number(/rows: (\d+)/.exec(line)![1]));
  assert.deepEqual(
    done,
    [...done].sort((a, b) => a - b),
    "rows done only grow",
  );
  assert.ok(
    progress.some((line) => line.includes("HTTP Error 404: Not Found")),
    "failures are named by kind",
  );
  assert.equal(lines.filter((line) => line.startsWith("shard ")).length, 2);
  assert.match(lines.at(-2)!, /^total {2}- success: 0\.833 - .* - count: 24$/);
});

test("progress: on a terminal, a live display with a bar, rows, rate, failures, shards, bytes and ETA", async () => {
  const command = [laionDl, ...downloadArgs(join(work, "out-tty"))].map((arg) => `'${arg}'`).join(" ");
  // util-linux's script runs the command on a pseudo-terminal and copies what it writes.
  const { stdout } = await promisify(execFile)("script", ["-qec", command, "/dev/null"], { env: { ...process.env, COLUMNS: "200", LINES: "40" } });
  assert.match(stdout, /\x1b\[/, "cursor control sequences redraw the display");
  const frames = stdout.split(/\x1b\[[0-9;?]*[A-Za-z]|\r|\n/).filter((part) => part.trim() !== "");
  const bars = frames.filter((frame) => /^rows \[[█░]{30}\] \d+\.\d % \d+\/\d+ \| ETA /.test(frame));
  assert.ok(bars.length >= 3, `${bars.length} redraws of the bar`);
  assert.ok(bars.at(-1)!.includes("100.0 % 24/24"), bars.at(-1));
  const details = frames.filter((frame) => frame.startsWith("images per sec: "));
  assert.match(
    details.at(-1)!,
    /^images per sec: \d+ \| success: 0\.833 \| failures: HTTP Error 404: Not Found 4 \| shards done: 2\/2 \| downloaded: [\d.]+ kB$/,
  );
  assert.equal(frames.filter((frame) => /^shard 0000[01] - success/.test(frame)).length, 2, "shard lines are printed above the display");
  assert.ok(frames.some((frame) => frame.startsWith("total  - success: 0.833")));
});
