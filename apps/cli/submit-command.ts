import { setTimeout as sleep } from "node:timers/promises";
import { Command, Option } from "commander";
import {
  createClient,
  DEFAULT_MAX_MESSAGE_BYTES,
  loadContracts,
  readTransportSecurity,
  type IngestServiceClient,
  type JobStatus__Output,
} from "@laion-dl/grpc";

const POLL_MS = 5_000;

/**
 * `laion-dl submit`: hands a job to a fleet's ingest service over gRPC (what the Kubernetes submit
 * Job runs), prints its id, and with --wait follows it until it is done (exit 0) or failed (exit 1).
 * TLS, the client certificate and the token come from LAION_DL_TLS_* and LAION_DL_AUTH_TOKEN, as for the services.
 */
export function submitCommand(): Command {
  return new Command("submit")
    .description(
      "submit a download job to a fleet's ingest service (gRPC SubmitJob) and print its id; " +
        "LAION_DL_TLS_CERT/LAION_DL_TLS_KEY/LAION_DL_TLS_CA and LAION_DL_AUTH_TOKEN as for the services",
    )
    .addOption(new Option("--ingest <address>", "the ingest service: host:port or dns:///ingest:50050").makeOptionMandatory())
    .addOption(new Option("--manifest_path <path>", "the manifest, as ingest sees it (absolute, on the shared volume)").makeOptionMandatory())
    .addOption(new Option("--options_json <json>", 'the job\'s download options as a JSON object, e.g. {"output_folder":"/data/out"}').default("{}"))
    .addOption(new Option("--wait", "follow the job until it is done or failed"))
    .action(async ({ ingest, manifest_path, options_json, wait }: { ingest: string; manifest_path: string; options_json: string; wait?: true }) => {
      const contracts = await loadContracts();
      const client = createClient<IngestServiceClient>(contracts.ingest, ingest, {
        maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES,
        security: readTransportSecurity(),
      });
      const call = <Response>(invoke: (callback: (error: Error | null, response?: Response) => void) => void) =>
        new Promise<Response>((resolve, reject) => invoke((error, response) => (error ? reject(error) : resolve(response!))));
      try {
        const { job_id } = await call<{ job_id: string }>((cb) => client.SubmitJob({ manifest_path, options_json }, cb));
        console.log(job_id);
        if (!wait) return;
        for (;;) {
          const status = await call<JobStatus__Output>((cb) => client.GetJob({ job_id }, cb));
          console.error(`job ${job_id} - ${status.state} - shards done: ${status.shards_done}/${status.shards_total} - samples: ${status.samples_done}`);
          if (status.state === "failed") throw new Error(`job ${job_id} failed: ${status.error}`);
          if (status.state === "done") return;
          await sleep(POLL_MS);
        }
      } finally {
        client.close();
      }
    });
}
