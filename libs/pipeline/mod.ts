export { adjustWindow, createLimiter, type Limiter, type StageLoad } from "./limiter.ts";
export { processSample, type FetchedSample, type ProcessedSample, type SampleInput, type SampleOptions, type SampleStages } from "./sample-processor.ts";
export { assembleShard, type AssembledShard, type AssemblyContext, type ShardAssembly } from "./shard-assembler.ts";
export { shardGroups, type ShardGroup } from "./shard-groups.ts";
export {
  assemblyOptionsOf,
  DownloadInterrupted,
  fromArray,
  MAX_CAPTION_BYTES,
  runDownload,
  sampleInputOf,
  transformOptionsOf,
  WORK_DIR,
  type DownloadHooks,
  type DownloadSummary,
} from "./run-download.ts";
export { claimJobFolder, JobMismatchError, manifestIdentity, recordedJobOptions, type JobFile, type ManifestIdentity } from "./job-file.ts";
export { retryFailed, type RetryHooks, type RetrySummary } from "./retry-failed.ts";
