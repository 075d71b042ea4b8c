// Messages between the job's thread and a shard worker (see shard-runner.ts and shard-worker.ts).
import type { SampleInput, SampleOutcome } from "./sample-processor.ts";
import type { AssembledShard } from "./shard-assembler.ts";
import type { StageSnapshot } from "@laion-dl/telemetry";

export interface ErrorData {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
}

/** Job thread → worker. */
export type WorkerRequest =
  | { readonly type: "assemble"; readonly shardId: number; readonly rowBatch: number }
  | RowsReply
  | { readonly type: "abort"; readonly shardId: number; readonly reason: ErrorData };

/** The next rows of a shard; `error` when reading them failed (the shard stops, its journal stays). */
export interface RowsReply {
  readonly type: "rows";
  readonly shardId: number;
  readonly inputs: readonly SampleInput[];
  readonly end: boolean;
  readonly error?: ErrorData;
}

/** Worker → job thread. */
export type WorkerReply =
  | RowsRequest
  | { readonly type: "consumed"; readonly shardId: number; readonly count: number }
  | { readonly type: "done"; readonly shardId: number; readonly shard: AssembledShard }
  | { readonly type: "failed"; readonly shardId: number; readonly error: ErrorData }
  | { readonly type: "sample"; readonly shardId: number; readonly outcome: SampleOutcome }
  | { readonly type: "metrics"; readonly snapshot: StageSnapshot };

export interface RowsRequest {
  readonly type: "pull";
  readonly shardId: number;
  readonly max: number;
}

export function errorData(error: unknown): ErrorData {
  const err = error instanceof Error ? error : new Error(String(error));
  return { name: err.name, message: err.message, ...(err.stack ? { stack: err.stack } : {}) };
}

export function errorOf(data: ErrorData): Error {
  const error = new Error(data.message);
  error.name = data.name;
  if (data.stack) error.stack = data.stack;
  return error;
}
