import { GrpcStatus, GrpcStatusError, unaryHandler, type AssemblerServiceHandlers } from "@laion-dl/grpc";
import type { AssemblerWorker } from "@laion-dl/jobs";

/** GetStatus shows the shards in progress and the window; Drain stops taking shards (before a rollout). */
export function createAssemblerService(worker: () => AssemblerWorker | undefined, defaultGraceMs: number): AssemblerServiceHandlers {
  const started = () => worker() ?? fail();
  return {
    GetStatus: unaryHandler(() => {
      const status = started().status();
      return {
        state: status.state,
        shards: status.shards.map((shard) => ({
          job_id: shard.jobId,
          shard_id: shard.shardId,
          rows_done: shard.rowsDone,
          rows_total: shard.rowsTotal,
        })),
        window_size: status.windowSize,
        in_flight: status.inFlight,
        shards_finished: status.shardsFinished,
      };
    }),
    Drain: unaryHandler(async (request) => {
      const graceMs = request.grace_seconds === undefined ? defaultGraceMs : request.grace_seconds * 1000;
      const { finished, handedBack } = await started().drain(graceMs);
      return { finished_shards: finished, handed_back_shards: handedBack };
    }),
  };
}

function fail(): never {
  throw new GrpcStatusError(GrpcStatus.UNAVAILABLE, "assembler is starting: waiting for NATS, fetchers and transformers");
}
