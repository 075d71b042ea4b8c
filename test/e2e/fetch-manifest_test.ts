import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { startFileServer, type FileServer } from "../helpers/file-server.ts";

const laionDl = join(import.meta.dirname, "..", "..", "bin", "laion-dl");
const run = promisify(execFile);
let server: FileServer;
let work: string;

/** A seed-format manifest of about 1.5 MB. */
function manifestBytes(seed: string): Buffer {
  const rows = Array.from({ length: 12_000 }, (_, i) => ({ caption: `${seed} caption ${i}`, url: `http://127.0.0.1:9/img/${i}.jpg` }));
  return Buffer.from(JSON.stringify(rows, null, 1));
}
const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

before(async () => {
  server = await startFileServer("laion_synthetic_filtered_large.json", manifestBytes("first"));
  work = await mkdtemp(join(tmpdir(), "laion-dl-fetch-manifest-"));
});

after(async () => {
  await server.close();
  await rm(work, { recursive: true, force: true });
});

test("fetch-manifest: a connection dropped mid-file leaves a .part; the rerun resumes it with Range + If-Range and the sha256 matches", async () => {
  const source = manifestBytes("first");
  const output = join(work, "resumed.json");
  const args = ["fetch-manifest", server.url, "-o", output, "--allow_private_network", "True", "--sha256", sha256(source)];
  const cutAt = 700_001;
  server.dropAt(cutAt);
  const before = server.requests.length;
  await assert.rejects(run(laionDl, [...args, "--retries", "0"]), (error: { code: number; stderr: string }) => {
    assert.equal(error.code, 1);
    assert.match(error.stderr, /connection lost at byte \d+|connection reset|other side closed/);
    return true;
  });
  // What arrived is kept (a loaded machine may lose the last bytes the server wrote before the cut).
  const kept = (await stat(`${output}.part`)).size;
  assert.ok(kept > 0 && kept <= cutAt, `${kept} bytes kept of ${cutAt} sent`);
  await assert.rejects(stat(output), "nothing at the final name until complete");

  const { stdout } = await run(laionDl, args);
  assert.match(stdout, new RegExp(`resumed.json: ${source.length} bytes, sha256 ${sha256(source)} \\(resumed at byte ${kept}\\)`));
  assert.deepEqual(server.requests.slice(before), [
    { range: undefined, ifRange: undefined, status: 200 },
    { range: `bytes=${kept}-`, ifRange: server.etag, status: 206 },
  ]);
  assert.equal(sha256(await readFile(output)), sha256(source));
  assert.deepEqual(
    (await readdir(work)).filter((name) => name.startsWith("resumed")),
    ["resumed.json"],
    "no .part left",
  );
});

test("fetch-manifest: within one run, a drop is retried with backoff from where it stopped", async () => {
  const output = join(work, "retried.json");
  server.dropAt(300_000);
  const before = server.requests.length;
  const { stdout } = await run(laionDl, ["fetch-manifest", server.url, "-o", output, "--allow_private_network", "True", "--progress_interval", "0.2"]);
  // The 1 s backoff alone spans several 0.2 s progress lines: bytes, share, rate and ETA.
  assert.match(stdout, /^progress - bytes: \d+\/\d+ \(\d+\.\d %\) - downloaded: [\d.]+ [kM]B of [\d.]+ MB - rate: [\d.]+ [kM]B\/s - eta: (\d+ s|\?)$/m);
  const resumedAt = Number(/attempt 2 in 1 s: .*; resuming at byte (\d+)/.exec(stdout)?.[1]);
  assert.ok(resumedAt > 0 && resumedAt <= 300_000, stdout);
  assert.deepEqual(
    server.requests.slice(before).map((request) => [request.range, request.status]),
    [
      [undefined, 200],
      [`bytes=${resumedAt}-`, 206],
    ],
  );
  assert.equal(sha256(await readFile(output)), sha256(manifestBytes("first")));
});

test("fetch-manifest: a file changed since the partial download starts over (If-Range), a wrong sha256 is refused, a loopback URL needs allow_private_network", async () => {
  const output = join(work, "changed.json");
  server.dropAt(200_000);
  await assert.rejects(run(laionDl, ["fetch-manifest", server.url, "-o", output, "--allow_private_network", "True", "--retries", "0"]));
  const changed = manifestBytes("second");
  server.replace(changed);
  const before = server.requests.length;
  await run(laionDl, ["fetch-manifest", server.url, "-o", output, "--allow_private_network", "True"]);
  assert.deepEqual(
    server.requests.slice(before).map((request) => request.status),
    [200],
    "the stale ETag makes the server send the whole file",
  );
  assert.equal(sha256(await readFile(output)), sha256(changed));

  await assert.rejects(
    run(laionDl, ["fetch-manifest", server.url, "-o", join(work, "bad-sum.json"), "--allow_private_network", "True", "--sha256", "0".repeat(64)]),
    (error: { code: number; stderr: string }) => error.code === 1 && /does not match the expected 0{64}; the download was removed/.test(error.stderr),
  );
  await assert.rejects(stat(join(work, "bad-sum.json")));

  const requests = server.requests.length;
  await assert.rejects(run(laionDl, ["fetch-manifest", server.url, "-o", join(work, "guarded.json")]), (error: { code: number; stderr: string }) =>
    /blocked private address/.test(error.stderr),
  );
  assert.equal(server.requests.length, requests, "no request reached the loopback server");
});
