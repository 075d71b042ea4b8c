import { GrpcStatus, GrpcStatusError, unaryHandler, type AssemblerServiceHandlers } from "@laion-dl/grpc";
import type { AssemblerWorker } from "@laion-dl/jobs";

/** What Drain does to the process around the worker's drain. */
export interface DrainLifecycle {
  /** Before: health goes NOT_SERVING, so probes and clients stop counting on this assembler. */
  draining(): void;
  /** After the reply: the process stops and exits, and the orchestrator starts a fresh one. */
  drained(): void;
}

/**
 * GetStatus shows the shards in progress and the window; Drain finishes or hands back the shards
 * in progress, answers, then ends the process (a drained assembler takes no more work, so it must
 * not linger as SERVING).
 */
export function createAssemblerService(worker: () => AssemblerWorker | undefined, defaultGraceMs: number, lifecycle: DrainLifecycle): AssemblerServiceHandlers {
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
      const draining = started();
      lifecycle.draining();
      const { finished, handedBack } = await draining.drain(graceMs);
      setImmediate(() => lifecycle.drained());
      return { finished_shards: finished, handed_back_shards: handedBack };
    }),
  };
}

function fail(): never {
  throw new GrpcStatusError(GrpcStatus.UNAVAILABLE, "assembler is starting: waiting for NATS, fetchers and transformers");
}
