import type { Bus } from "@laion-dl/bus";
import { OptionError, parseDownloadOptions, refuseUnknownOptions, type DownloadOptions, type FetchPolicy } from "@laion-dl/config";
import { GrpcStatus, GrpcStatusError, unaryHandler, type IngestServiceHandlers } from "@laion-dl/grpc";
import { confineJobPaths, createJobFollowers, decodeOptions, ingestJob, jobIdOf, refuseBeyondFleetPolicy, type JobRecord } from "@laion-dl/jobs";
import type { Logger } from "@laion-dl/telemetry";

/** NATS away (restarting, partitioned) is a reason to call again, not an internal error. */
const STATUS_BY_ERROR_NAME = { BusError: GrpcStatus.UNAVAILABLE, PathConfinementError: GrpcStatus.INVALID_ARGUMENT };
/** A job's shard records are followed while GetJob is asked about it at least this often. */
const FOLLOW_IDLE_MS = 60_000;

export interface IngestService {
  readonly handlers: IngestServiceHandlers;
  /**
   * Picks up jobs a previous ingest left half-read (crash, rollout): their record still says
   * "ingesting". Shards already done are skipped and re-published units are deduplicated.
   */
  resumeInterrupted(): Promise<string[]>;
  /** Stops reading manifests and following jobs; the jobs cut short are resumed by the next ingest to start. */
  stop(): Promise<void>;
}

/** SubmitJob starts reading a manifest into shard units in the background; GetJob reports progress. */
export function createIngestService(
  bus: Bus,
  options: { maxOutstanding: number; policy: FetchPolicy; dataRoot: string | undefined; log: Logger },
): IngestService {
  const running = new Map<string, { ingest: Promise<void>; recorded: Promise<void>; overwrite: boolean }>();
  const stopping = new AbortController();
  const followers = createJobFollowers(bus, { idleMs: FOLLOW_IDLE_MS });
  /** Resolves once the job's record says "ingesting", so a GetJob after SubmitJob never reads an earlier run's end. */
  const start = (download: DownloadOptions, jobId: string): Promise<void> => {
    const current = running.get(jobId);
    if (current) return current.recorded;
    let onRecorded!: () => void;
    const recorded = new Promise<void>((resolve) => (onRecorded = resolve));
    const ingest = ingestJob(bus, download, { maxOutstanding: options.maxOutstanding, signal: stopping.signal, onRecorded })
      .then((result) => options.log.info("job_ingested", { ...result }))
      .catch((error: unknown) => options.log.error("job_ingest_failed", { jobId, error: String(error) }))
      .finally(() => {
        onRecorded();
        running.delete(jobId);
      });
    running.set(jobId, { ingest, recorded, overwrite: download.incremental_mode === "overwrite" });
    return recorded;
  };
  // Paths resolved inside the data root before anything is read or created; a missing manifest
  // inside it is NOT_FOUND, any path outside it INVALID_ARGUMENT whether it exists or not.
  const confined = async (download: DownloadOptions): Promise<DownloadOptions> => {
    const { manifest, outputFolder } = await confineJobPaths(options.dataRoot, { manifest: download.url_list, outputFolder: download.output_folder }).catch(
      (error: NodeJS.ErrnoException) => {
        if (error.code === "ENOENT") throw new GrpcStatusError(GrpcStatus.NOT_FOUND, `manifest not found: ${download.url_list}`);
        throw error;
      },
    );
    return { ...download, url_list: manifest, output_folder: outputFolder };
  };
  return {
    handlers: {
      SubmitJob: unaryHandler(async (request) => {
        const submitted = submittedOptions(request.manifest_path, request.options_json);
        await refuseBeyondFleetPolicy(bus, submitted, options.policy);
        const download = await confined(submitted);
        const jobId = jobIdOf(download);
        // The same job again joins the running ingest; asked to start afresh meanwhile, it is refused
        // rather than answered with the running one as if its folder had been emptied.
        if (download.incremental_mode === "overwrite" && running.get(jobId)?.overwrite === false) {
          throw new GrpcStatusError(
            GrpcStatus.FAILED_PRECONDITION,
            `job ${jobId} is still being ingested: submit it with incremental_mode overwrite once GetJob says it has ended`,
          );
        }
        if (!running.has(jobId)) options.log.info("job_submitted", { jobId, manifest: download.url_list });
        await start(download, jobId);
        const job = (await bus.jobs.get(jobId)) as JobRecord | null;
        return { job_id: jobId, shard_count: job?.shardsTotal ?? 0 };
      }, STATUS_BY_ERROR_NAME),
      GetJob: unaryHandler(async (request) => {
        const status = await followers.status(request.job_id);
        if (!status) throw new GrpcStatusError(GrpcStatus.NOT_FOUND, `no job ${request.job_id}`);
        return {
          job_id: status.jobId,
          state: status.state,
          shards_total: status.shardsTotal ?? 0,
          shards_done: status.shardsDone,
          samples_done: status.samplesDone,
          successes: status.successes,
          error: status.error ?? "",
        };
      }, STATUS_BY_ERROR_NAME),
    },
    async resumeInterrupted() {
      const resumed: string[] = [];
      for (const jobId of await bus.jobs.keys()) {
        const job = (await bus.jobs.get(jobId)) as JobRecord | null;
        if (job?.state !== "ingesting" || running.has(jobId)) continue;
        // Recorded before this ingest's data root was set as it is now: checked again.
        const download = await confined(decodeOptions(job.options)).catch((error: unknown) =>
          options.log.error("job_refused", { jobId, error: String(error) }),
        );
        if (!download) continue;
        options.log.info("job_resumed", { jobId });
        void start(download, jobId);
        resumed.push(jobId);
      }
      return resumed;
    },
    async stop() {
      stopping.abort();
      followers.close();
      await Promise.all([...running.values()].map(({ ingest }) => ingest));
    },
  };
}

/**
 * A SubmitJob's options: a JSON object of download options (never url_list, which is the
 * manifest_path), every value within the option table's bounds. Anything else is an OptionError
 * (INVALID_ARGUMENT) naming the option.
 */
export function submittedOptions(manifestPath: string, optionsJson: string): DownloadOptions {
  let parsed: unknown;
  try {
    parsed = JSON.parse(optionsJson || "{}");
  } catch (error) {
    throw new OptionError(`options_json is not JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new OptionError(`options_json must be a JSON object of download options but is ${Array.isArray(parsed) ? "an array" : JSON.stringify(parsed)}`);
  }
  const raw = parsed as Record<string, unknown>;
  const describe = (name: string) => `options_json.${name}`;
  refuseUnknownOptions(raw, describe);
  if ("url_list" in raw) throw new OptionError("options_json.url_list is not accepted: the manifest is manifest_path");
  return parseDownloadOptions({ ...raw, url_list: manifestPath }, describe);
}
