export { decodeOptions, encodeOptions, jobIdOf, shardKey, type JobRecord, type ShardRecord } from "./job-record.ts";
export { confineJobPaths, confinePath, PathConfinementError, readDataRoot } from "./data-root.ts";
export { ingestJob, type IngestControl, type IngestResult } from "./ingest-job.ts";
export { createJobFollowers, followJob, jobStatus, type JobFollowers, type JobProgress, type JobStatus } from "./job-status.ts";
export { startAssemblerWorker, type AssemblerWorker, type AssemblerWorkerOptions, type ShardProgress } from "./assembler-worker.ts";
export { refuseBeyondFleetPolicy } from "./fleet-policy.ts";
