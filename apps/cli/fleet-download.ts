import { setTimeout as sleep } from "node:timers/promises";
import { connectBus } from "@laion-dl/bus";
import type { DownloadOptions } from "@laion-dl/config";
import { ingestJob, jobStatus, type JobStatus } from "@laion-dl/jobs";

/**
 * `download --nats URL`: this process reads the manifest into shard units on the fleet's queue
 * (as the ingest service would), then follows the job until every shard is written by the
 * fleet's assemblers. Output lands where the assemblers see `output_folder`.
 */
export async function fleetDownload(natsUrl: string, options: DownloadOptions, print: (line: string) => void): Promise<JobStatus> {
  const bus = await connectBus({ servers: natsUrl.split(","), name: `laion-dl-cli-${process.pid}` });
  try {
    const started = performance.now();
    const ingest = ingestJob(bus, options, { maxOutstanding: 64 });
    const ingested = await ingest;
    print(`job ${ingested.jobId}: ${ingested.shardsTotal} shards, ${ingested.shardsPublished} queued for the fleet`);
    let reported = -1;
    for (;;) {
      const status = await jobStatus(bus, ingested.jobId);
      if (!status) throw new Error(`job ${ingested.jobId} disappeared from NATS`);
      if (status.shardsDone !== reported) {
        reported = status.shardsDone;
        const seconds = (performance.now() - started) / 1000;
        print(
          `job ${status.jobId} - shards done: ${status.shardsDone}/${status.shardsTotal ?? "?"} - samples: ${status.samplesDone}` +
            ` - success: ${status.samplesDone ? (status.successes / status.samplesDone).toFixed(3) : "0.000"}` +
            ` - images per sec: ${Math.round(status.successes / Math.max(seconds, 1e-3))}`,
        );
      }
      if (status.state === "done" || status.state === "failed") return status;
      await sleep(500);
    }
  } finally {
    await bus.close();
  }
}
