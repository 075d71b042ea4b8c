export { decodeOptions, encodeOptions, jobIdOf, shardKey, type JobRecord, type ShardRecord } from "./job-record.ts";
export { ingestJob, type IngestControl, type IngestResult } from "./ingest-job.ts";
export { jobStatus, type JobStatus } from "./job-status.ts";
export {
  startAssemblerWorker,
  type AssemblerWorker,
  type AssemblerWorkerOptions,
  type ShardProgress,
} from "./assembler-worker.ts";
