import assert from "node:assert/strict";
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { confineJobPaths, confinePath, readDataRoot } from "./mod.ts";

let outside: string;
let root: string;

before(async () => {
  outside = await realpath(await mkdtemp(join(tmpdir(), "laion-dl-root-")));
  root = join(outside, "data");
  await mkdir(join(root, "jobs"), { recursive: true });
  await writeFile(join(root, "rows.json"), "[]");
  await writeFile(join(outside, "secret.txt"), "not yours");
  await symlink(join(outside, "secret.txt"), join(root, "link-out.json"));
  await symlink(outside, join(root, "escape"));
  await symlink(join(root, "jobs"), join(root, "jobs-link"));
  await symlink(join(outside, "nowhere"), join(root, "dangling"));
});
after(() => rm(outside, { recursive: true, force: true }));

test("data-root: paths inside the root are returned real, missing ones through their real ancestors", async () => {
  assert.equal(await confinePath(root, join(root, "rows.json"), "manifest_path"), join(root, "rows.json"));
  assert.equal(await confinePath(root, join(root, "jobs-link", "new", "out"), "output_folder"), join(root, "jobs", "new", "out"));
  assert.equal(await confinePath(root, join(root, "a", "..", "jobs"), "output_folder"), join(root, "jobs"));
  assert.deepEqual(await confineJobPaths(root, { manifest: join(root, "rows.json"), outputFolder: join(root, "jobs", "x") }), {
    manifest: join(root, "rows.json"),
    outputFolder: join(root, "jobs", "x"),
  });
});

const refused: [string, () => string, RegExp][] = [
  ["an absolute path outside", () => "/etc/shadow", /inside LAION_DL_DATA_ROOT .* but received \/etc\/shadow/],
  ["a relative path", () => "rows.json", /absolute path/],
  ["a .. that climbs out", () => join(root, "..", "secret.txt"), /inside LAION_DL_DATA_ROOT/],
  ["a symlinked file pointing out", () => join(root, "link-out.json"), /really .*secret\.txt/],
  ["a path under a symlinked directory pointing out", () => join(root, "escape", "new-folder"), /really .*new-folder/],
  ["a dangling symlink", () => join(root, "dangling"), /dangling symlink/],
];
for (const [name, path, message] of refused) {
  test(`data-root: ${name} is refused`, async () => {
    await assert.rejects(confinePath(root, path(), "output_folder"), { name: "PathConfinementError", message });
  });
}

test("data-root: no root refuses every job; a directory is no manifest", async () => {
  await assert.rejects(confinePath(undefined, join(root, "rows.json"), "manifest_path"), { name: "PathConfinementError", message: /until LAION_DL_DATA_ROOT/ });
  await assert.rejects(confineJobPaths(root, { manifest: join(root, "jobs"), outputFolder: join(root, "out") }), {
    message: /a file for manifest_path but received a directory/,
  });
});

test("data-root: LAION_DL_DATA_ROOT is read as a real absolute directory, or refused at boot", () => {
  assert.equal(readDataRoot({}), undefined);
  assert.equal(readDataRoot({ LAION_DL_DATA_ROOT: join(root, "jobs-link") }), join(root, "jobs"));
  assert.throws(() => readDataRoot({ LAION_DL_DATA_ROOT: "data" }), /not absolute/);
  assert.throws(() => readDataRoot({ LAION_DL_DATA_ROOT: join(root, "rows.json") }), /not an existing directory/);
});
