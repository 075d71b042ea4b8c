export { keyLayout, sampleKey, shardName, type KeyLayout } from "./keys.ts";
export { pythonJsonDumps } from "./python-json.ts";
export {
  metadataColumns,
  recordFromMetadata,
  sampleMetadata,
  type SampleRecord,
  type SampleStatus,
  type ShardColumns,
} from "./sample.ts";
export { ShardJournal, type JournalSample } from "./journal.ts";
export { openShardWriter, type OutputFormat, type ShardSpec, type ShardWriter, type WrittenShard } from "./shard-files.ts";
export type { ShardStats } from "./stats.ts";
export { removeShard, verifyShard, writeShardRecord, type ShardRecord } from "./shard-record.ts";
export { readTarSamples, type TarSample } from "./tar-reader.ts";
export { outputFolder, WORK_DIR, type OutputFolder } from "./output-folder.ts";
export { clearOutputFolder, lockShard, OutputFolderLockedError, withOutputFolderLock, type FolderLock } from "./folder-lock.ts";
export { readNoFollow, replaceFile } from "./safe-files.ts";
