import assert from "node:assert/strict";
import { lstat, mkdir, mkdtemp, readFile, readlink, rm, symlink, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { clearOutputFolder, lockShard, outputFolder, replaceFile, ShardJournal, withOutputFolderLock } from "./mod.ts";

let dir: string;
let victim: string;
const VICTIM_TEXT = "precious bytes\n";

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "laion-dl-lock-"));
  victim = join(dir, "victim.txt");
  await writeFile(victim, VICTIM_TEXT);
});
after(() => rm(dir, { recursive: true, force: true }));

test("folder-lock: a second writer stops at once, told the folder and the holder; the lock is free again after", async () => {
  const folder = outputFolder(join(dir, "out-1"));
  await withOutputFolderLock(folder, "an embedded laion-dl run", async () => {
    await assert.rejects(
      withOutputFolderLock(folder, "another run", async () => "ran"),
      {
        name: "OutputFolderLockedError",
        message: new RegExp(`${folder.root} is being written by an embedded laion-dl run \\(pid ${process.pid} on `),
      },
    );
    await assert.rejects(lockShard(folder, "00000", "a fleet assembler"), { name: "OutputFolderLockedError", message: /an embedded laion-dl run/ });
  });
  assert.equal(await withOutputFolderLock(folder, "another run", async () => "ran"), "ran");
});

test("folder-lock: an assembler's shard lock keeps an embedded run out of the folder, not other shards", async () => {
  const folder = outputFolder(join(dir, "out-2"));
  const shard = await lockShard(folder, "00000", "a fleet assembler (job j)");
  const other = await lockShard(folder, "00001", "a fleet assembler (job j)");
  await assert.rejects(lockShard(folder, "00000", "a second assembler"), { message: /a fleet assembler \(job j\)/ });
  await assert.rejects(
    withOutputFolderLock(folder, "an embedded laion-dl run", async () => {}),
    { message: /being written by a fleet assembler/ },
  );
  await Promise.all([shard.release(), other.release()]);
  await withOutputFolderLock(folder, "an embedded laion-dl run", async () => {});
});

test("folder-lock: a lock left by a dead process or torn by a crash is taken over", async () => {
  const folder = outputFolder(join(dir, "out-3"));
  await mkdir(folder.workDir, { recursive: true });
  // pid_max is at most 2^22 on Linux: this pid cannot be alive.
  await writeFile(folder.lockFile, JSON.stringify({ holder: "a crashed run", pid: 2 ** 22 + 1, host: hostname(), since: "then" }));
  await withOutputFolderLock(folder, "a new run", async () => {
    assert.match(await readFile(folder.lockFile, "utf8"), /a new run/);
  });
  await writeFile(folder.lockFile, '{"holder": "a run that died wri');
  await withOutputFolderLock(folder, "a new run", async () => {});
});

test("folder-lock: a symlinked working directory is refused, not followed", async () => {
  const folder = outputFolder(join(dir, "out-4"));
  await mkdir(join(dir, "elsewhere"));
  await mkdir(folder.root);
  await symlink(join(dir, "elsewhere"), folder.workDir);
  await assert.rejects(
    withOutputFolderLock(folder, "a run", async () => {}),
    { message: new RegExp(`${folder.workDir} but it is a symlink`) },
  );
});

test("safe-files: a symlinked journal is refused and its target left alone; a replaced file replaces the link, not its target", async () => {
  const folder = outputFolder(join(dir, "out-5"));
  await mkdir(folder.journalDir, { recursive: true });
  await symlink(victim, folder.journal("00000"));
  await assert.rejects(ShardJournal.open(folder.journal("00000"), 10), { message: /is a symlink; not following it/ });

  await symlink(victim, folder.manifestIndex);
  await replaceFile(folder.manifestIndex, '{"shards":{}}');
  assert.equal((await lstat(folder.manifestIndex)).isSymbolicLink(), false);
  assert.equal(await readFile(victim, "utf8"), VICTIM_TEXT);
  assert.equal(await readlink(folder.journal("00000")), victim);
});

test("folder-lock: overwrite empties the folder but keeps the locks", async () => {
  const folder = outputFolder(join(dir, "out-6"));
  await withOutputFolderLock(folder, "a run", async () => {
    await writeFile(join(folder.root, "00000.tar"), "x");
    await writeFile(folder.jobFile, "{}");
    await clearOutputFolder(folder);
    await assert.rejects(lstat(join(folder.root, "00000.tar")));
    await assert.rejects(lstat(folder.jobFile));
    assert.match(await readFile(folder.lockFile, "utf8"), /a run/);
    assert.ok((await lstat(folder.journalDir)).isDirectory());
  });
});
