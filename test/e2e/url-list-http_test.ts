import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { startFixtureServer, waitFor, type FixtureServer } from "@laion-dl/testing";
import { startFileServer, type FileServer } from "../helpers/file-server.ts";
import { outputDigests } from "../helpers/shards.ts";

const laionDl = join(import.meta.dirname, "..", "..", "bin", "laion-dl");
const ROWS = 60;
const PER_SHARD = 10;
let images: FixtureServer;
let host: FileServer;
let work: string;
let onDisk: string;
let fromDisk: Record<string, string>;

function args(urlList: string, output: string): string[] {
  return [
    "download",
    "--url_list",
    urlList,
    "--input_format",
    "json",
    "--caption_col",
    "caption",
    "--output_folder",
    output,
    "--allow_private_network",
    "True",
    "--number_sample_per_shard",
    String(PER_SHARD),
    "--thread_count",
    "4",
  ];
}

before(async () => {
  images = await startFixtureServer();
  work = await mkdtemp(join(tmpdir(), "laion-dl-url-list-"));
  // Slow answers give the kill below time to land between shards.
  const rows = Array.from({ length: ROWS }, (_, i) => ({ caption: `row ${i}`, url: `${images.baseUrl}/slow/150/img/photo/${i}/40x30.jpg` }));
  const manifest = Buffer.from(JSON.stringify(rows, null, 1));
  onDisk = join(work, "manifest.json");
  await writeFile(onDisk, manifest);
  host = await startFileServer("manifest.json", manifest);
  await promisify(execFile)(laionDl, args(onDisk, join(work, "disk")));
  fromDisk = await outputDigests(join(work, "disk"));
  assert.equal(Object.keys(fromDisk).length, 2 * (ROWS / PER_SHARD));
});

after(async () => {
  await images.close();
  await host.close();
  await rm(work, { recursive: true, force: true });
});

test("url_list http: the manifest streamed from the web gives the same bytes as the same file on disk; a loopback host needs allow_private_network", async () => {
  const output = join(work, "web");
  await promisify(execFile)(laionDl, args(host.url, output));
  assert.deepEqual(await outputDigests(output), fromDisk);

  const before = host.requests.length;
  const guarded = args(host.url, join(work, "guarded")).filter((arg) => arg !== "--allow_private_network" && arg !== "True");
  await assert.rejects(promisify(execFile)(laionDl, guarded), (error: { code: number; stderr: string }) => {
    assert.equal(error.code, 2);
    assert.match(error.stderr, /cannot read the manifest \(blocked private address\)/);
    return true;
  });
  assert.equal(host.requests.length, before, "no request reached the loopback host");
});

test("url_list http: a run killed after some shards resumes reading the manifest at the recorded byte offset with a Range request", async () => {
  const output = join(work, "web-killed");
  const child = spawn(laionDl, args(host.url, output), { stdio: "ignore" });
  const indexPath = join(output, ".laion-dl", "manifest-index.json");
  const recorded = async () => JSON.parse(await readFile(indexPath, "utf8").catch(() => "{}")) as { shards?: Record<string, { nextOffset: number }> };
  await waitFor(async () => (await recorded()).shards?.["00000"] !== undefined, 120_000);
  child.kill("SIGKILL");
  await new Promise((resolve) => child.once("exit", resolve));
  const offsets = Object.values((await recorded()).shards ?? {}).map((entry) => entry.nextOffset);

  const before = host.requests.length;
  const { stdout } = await promisify(execFile)(laionDl, args(host.url, output));
  assert.match(stdout, /shard 00000 - already written and verified, skipped/);
  const ranges = host.requests.slice(before).flatMap((request) => (request.status === 206 && request.range ? [request.range] : []));
  assert.ok(
    ranges.some((range) => offsets.some((offset) => range === `bytes=${offset}-`)),
    `a Range request at a recorded offset (${offsets.join(", ")}) among ${ranges.join(", ")}`,
  );
  assert.ok(host.requests.slice(before).every((request) => request.ifRange === undefined || request.ifRange === host.etag));
  assert.deepEqual(await outputDigests(output), fromDisk);
});
