export { createLimiter, type Limiter } from "./limiter.ts";
export { processSample, type ProcessedSample, type SampleInput, type SampleOptions, type SampleStages } from "./sample-processor.ts";
export { assembleShard, type AssembledShard, type AssemblyContext, type ShardAssembly } from "./shard-assembler.ts";
export { shardGroups, type ShardGroup } from "./shard-groups.ts";
export {
  assemblyOptionsOf,
  MAX_CAPTION_BYTES,
  runDownload,
  sampleInputOf,
  shardColumnsOf,
  transformOptionsOf,
  WORK_DIR,
  type DownloadHooks,
  type DownloadSummary,
} from "./run-download.ts";
