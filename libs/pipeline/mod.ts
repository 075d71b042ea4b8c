export { adjustWindow, createLimiter, type Limiter, type StageLoad } from "./limiter.ts";
export { QUEUED_PER_WORKER } from "./embedded-stages.ts";
export {
  processSample,
  type FetchedSample,
  type ProcessedSample,
  type SampleInput,
  type SampleOutcome,
  type SampleOptions,
  type SampleStages,
} from "./sample-processor.ts";
export { assembleShard, type AssembledShard, type AssemblyContext, type ShardAssembly } from "./shard-assembler.ts";
export { shardGroups, type ShardGroup } from "./shard-groups.ts";
export { DownloadInterrupted, runDownload, type DownloadHooks, type DownloadSummary } from "./run-download.ts";
export { assemblyOptionsOf, fromArray, mapRows, MAX_CAPTION_BYTES, sampleInputOf, shardColumnsOf, transformOptionsOf } from "./job-adapters.ts";
export { claimJobFolder, JobMismatchError, manifestIdentity, recordedJobOptions, type JobFile, type ManifestIdentity } from "./job-file.ts";
export { retryFailed, type RetryHooks, type RetrySummary } from "./retry-failed.ts";
