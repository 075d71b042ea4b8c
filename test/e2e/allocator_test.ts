// bin/with-allocator: the malloc the launchers start node with (LAION_DL_ALLOCATOR).
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { arch } from "node:os";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const WITH_ALLOCATOR = fileURLToPath(new URL("../../bin/with-allocator", import.meta.url));
const CLI = fileURLToPath(new URL("../../bin/laion-dl", import.meta.url));
const run = (allocator: string | undefined, ...command: string[]) => runWith({}, allocator, ...command);
const runWith = (extraEnv: NodeJS.ProcessEnv, allocator: string | undefined, ...command: string[]) => {
  const env: NodeJS.ProcessEnv = { ...process.env, LD_PRELOAD: "", MALLOC_MMAP_THRESHOLD_: undefined, ...extraEnv };
  if (allocator === undefined) delete env.LAION_DL_ALLOCATOR;
  else env.LAION_DL_ALLOCATOR = allocator;
  return promisify(execFile)(command[0]!, command.slice(1), { env });
};
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => assert.fail("expected the command to be refused"),
    (error: { code: number; stderr: string }) => error,
  );
// What a process maps, read by the process itself: the libraries it really runs with.
const mappedBy = (allocator: string | undefined) => run(allocator, WITH_ALLOCATOR, "cat", "/proc/self/maps").then(({ stdout }) => stdout);

test("allocator: glibc's malloc by default and by name, nothing preloaded", async () => {
  for (const allocator of [undefined, "glibc"]) {
    const maps = await mappedBy(allocator);
    assert.match(maps, /libc\.so/);
    assert.doesNotMatch(maps, /tcmalloc/, `LAION_DL_ALLOCATOR=${allocator}`);
  }
});

test("allocator: under glibc, blocks of 128 KiB and more go to mmap unless the caller says otherwise", async () => {
  const threshold = (extraEnv: NodeJS.ProcessEnv, allocator?: string) =>
    runWith(extraEnv, allocator, WITH_ALLOCATOR, "sh", "-c", 'echo "${MALLOC_MMAP_THRESHOLD_-unset}"').then(({ stdout }) => stdout.trim());
  assert.equal(await threshold({}), "131072");
  assert.equal(await threshold({}, "glibc"), "131072");
  assert.equal(await threshold({ MALLOC_MMAP_THRESHOLD_: "65536" }), "65536");
});

test("allocator: tcmalloc is preloaded when installed, or refused naming the package to install", async () => {
  const multiarch = `/usr/lib/${arch() === "x64" ? "x86_64" : arch() === "arm64" ? "aarch64" : arch()}-linux-gnu`;
  const installed = [multiarch, "/usr/lib64", "/usr/lib", "/usr/local/lib"].some((dir) => existsSync(`${dir}/libtcmalloc_minimal.so.4`));
  if (installed) {
    assert.match(await mappedBy("tcmalloc"), /libtcmalloc_minimal\.so\.4/);
  } else {
    const refused = await failure(mappedBy("tcmalloc"));
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /libtcmalloc_minimal\.so\.4 is not installed \(Debian\/Ubuntu: apt-get install libtcmalloc-minimal4\)/);
  }
});

test("allocator: an unknown name stops the CLI before it starts, with exit 2 and the names it takes", async () => {
  const refused = await failure(run("jemalloc", CLI, "download", "--url_list", "rows.tsv"));
  assert.equal(refused.code, 2);
  assert.equal(refused.stderr, 'Expected glibc or tcmalloc for LAION_DL_ALLOCATOR but received "jemalloc"\n');
});
