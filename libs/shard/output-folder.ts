import { join } from "node:path";

/** Where a job keeps its working files inside the output folder (hidden from shard globs). */
export const WORK_DIR = ".laion-dl";

/**
 * Every path inside an output folder besides the shards themselves, named in this one place so
 * that the CLI and the fleet read and write the same folder: nothing else joins WORK_DIR by hand.
 */
export interface OutputFolder {
  readonly root: string;
  /** WORK_DIR: the job's working files. */
  readonly workDir: string;
  /** The job that fills the folder (options and manifest identity). */
  readonly jobFile: string;
  /** Open shards' journals, removed once a shard is written. */
  readonly journalDir: string;
  /** Finished shards' checksum records (SSSSS.json). */
  readonly recordDir: string;
  /** Where each finished shard's rows end in the manifest. */
  readonly manifestIndex: string;
  /** The embedded run's lock on the whole folder (folder-lock.ts). */
  readonly lockFile: string;
  /** Assemblers' locks on the shards they own. */
  readonly shardLockDir: string;
  journal(shardName: string): string;
  record(shardName: string): string;
  shardLock(shardName: string): string;
}

export function outputFolder(root: string): OutputFolder {
  const workDir = join(root, WORK_DIR);
  const journalDir = join(workDir, "journal");
  const recordDir = join(workDir, "shards");
  const shardLockDir = join(workDir, "locks");
  return {
    root,
    workDir,
    jobFile: join(workDir, "job.json"),
    journalDir,
    recordDir,
    manifestIndex: join(workDir, "manifest-index.json"),
    lockFile: join(workDir, "lock"),
    shardLockDir,
    journal: (shardName) => join(journalDir, `${shardName}.journal`),
    record: (shardName) => join(recordDir, `${shardName}.json`),
    shardLock: (shardName) => join(shardLockDir, `${shardName}.lock`),
  };
}
