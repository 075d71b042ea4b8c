import { constants } from "node:fs";
import { mkdir, open, readdir, readFile, rm, stat, utimes } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import type { OutputFolder } from "./output-folder.ts";
import { makeRealDirectories } from "./safe-files.ts";

/** Another writer holds the output folder (or the shard): the message names the folder and the holder. */
export class OutputFolderLockedError extends Error {
  override readonly name = "OutputFolderLockedError";
}

export interface FolderLock {
  /** Removes the lock file (it stays on disk if the process dies; the next writer sees it is stale). */
  release(): Promise<void>;
}

interface Holder {
  readonly holder: string;
  readonly pid: number;
  readonly host: string;
  readonly since: string;
}

/** A lock on another host is stale once its holder stops touching it for this long. */
const STALE_MS = 60_000;
const HEARTBEAT_MS = STALE_MS / 4;

/**
 * The embedded run's lock on a whole output folder. Refused while another run holds the folder or
 * an assembler holds one of its shards; so start-up cleanup (temporary files, journals) only ever
 * removes what this run owns.
 */
export async function lockOutputFolder(folder: OutputFolder, holder: string): Promise<FolderLock> {
  await makeWorkDirectories(folder);
  return acquire(folder, folder.lockFile, holder, async () => {
    const names = await readdir(folder.shardLockDir).catch(() => []);
    return names.map((name) => join(folder.shardLockDir, name));
  });
}

/** Runs `work` holding the folder's lock (lockOutputFolder), released however it ends. */
export async function withOutputFolderLock<T>(folder: OutputFolder, holder: string, work: () => Promise<T>): Promise<T> {
  const lock = await lockOutputFolder(folder, holder);
  try {
    return await work();
  } finally {
    await lock.release();
  }
}

/** Empties a folder whose lock this process holds (`--incremental_mode overwrite`), the locks excepted. */
export async function clearOutputFolder(folder: OutputFolder): Promise<void> {
  const keep = new Set([folder.workDir, folder.lockFile, folder.shardLockDir]);
  for (const dir of [folder.root, folder.workDir]) {
    const names = await readdir(dir).catch(() => []);
    await Promise.all(
      names
        .map((name) => join(dir, name))
        .filter((path) => !keep.has(path))
        .map((path) => rm(path, { recursive: true, force: true })),
    );
  }
  await makeWorkDirectories(folder);
}

/** An assembler's lock on one shard of an output folder; refused while an embedded run holds the folder. */
export async function lockShard(folder: OutputFolder, shardName: string, holder: string): Promise<FolderLock> {
  await makeWorkDirectories(folder);
  return acquire(folder, folder.shardLock(shardName), holder, async () => [folder.lockFile]);
}

/**
 * Creates the lock file exclusively (O_EXCL: never through a symlink), replacing a stale one, then
 * checks the locks that exclude it (`rivals`): both sides create first and check second, so of two
 * writers starting together at least one stops.
 */
async function acquire(folder: OutputFolder, path: string, holder: string, rivals: () => Promise<string[]>): Promise<FolderLock> {
  const me: Holder = { holder, pid: process.pid, host: hostname(), since: new Date().toISOString() };
  for (let attempt = 0; ; attempt++) {
    try {
      const file = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
      try {
        await file.writeFile(JSON.stringify(me));
      } finally {
        await file.close();
      }
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST" || attempt > 0) throw lockError(error, folder, path, await liveHolder(path));
      const current = await liveHolder(path);
      if (current) throw new OutputFolderLockedError(lockedMessage(folder, current));
      await rm(path, { force: true });
    }
  }
  const heartbeat = setInterval(() => {
    const now = new Date();
    utimes(path, now, now).catch(() => {});
  }, HEARTBEAT_MS);
  heartbeat.unref();
  const lock: FolderLock = {
    async release() {
      clearInterval(heartbeat);
      await rm(path, { force: true });
    },
  };
  for (const rival of await rivals()) {
    const other = await liveHolder(rival);
    if (other) {
      await lock.release();
      throw new OutputFolderLockedError(lockedMessage(folder, other));
    }
  }
  return lock;
}

/** The folder (which may be a link the user chose) and its working directories (which may not). */
async function makeWorkDirectories(folder: OutputFolder): Promise<void> {
  await mkdir(folder.root, { recursive: true });
  await makeRealDirectories([folder.workDir, folder.journalDir, folder.recordDir, folder.shardLockDir]);
}

/** The holder recorded in a lock file, unless the lock is stale (holder gone, or silent too long). */
async function liveHolder(path: string): Promise<Holder | null> {
  let current: Holder;
  try {
    current = JSON.parse(await readFile(path, "utf8")) as Holder;
  } catch (error) {
    // Gone meanwhile, or torn by a crash while it was being written: nobody holds it.
    if ((error as NodeJS.ErrnoException).code === "ENOENT" || error instanceof SyntaxError) return null;
    throw error;
  }
  if (current.host === hostname()) return isAlive(current.pid) ? current : null;
  const touched = await stat(path).then(
    (info) => info.mtimeMs,
    () => 0,
  );
  return Date.now() - touched < STALE_MS ? current : null;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function lockedMessage(folder: OutputFolder, holder: Holder): string {
  return `${folder.root} is being written by ${holder.holder} (pid ${holder.pid} on ${holder.host} since ${holder.since}); wait for it to finish or stop it`;
}

function lockError(error: unknown, folder: OutputFolder, path: string, holder: Holder | null): Error {
  if (holder) return new OutputFolderLockedError(lockedMessage(folder, holder));
  return new OutputFolderLockedError(`Expected to create the lock file ${path} for ${folder.root} but ${(error as Error).message}`, { cause: error });
}
