// One of each service on 127.0.0.1 around a test's nats-server, with a gRPC client to submit jobs
// and follow them, for tests that need a whole fleet but not its fault injection.
import { setTimeout as sleep } from "node:timers/promises";
import { createClient, DEFAULT_MAX_MESSAGE_BYTES, loadContracts, type IngestServiceClient, type JobStatus__Output } from "@laion-dl/grpc";
import { startService, type ServiceProcess } from "./services.ts";

export interface Fleet {
  readonly services: readonly ServiceProcess[];
  /** SubmitJob; resolves with the job id, rejects with the gRPC error. */
  submit(manifestPath: string, options: Record<string, unknown>): Promise<string>;
  /** Polls GetJob until the job is done or failed. */
  waitForJob(jobId: string, timeoutMs?: number): Promise<JobStatus__Output>;
  stop(): Promise<void>;
}

/**
 * Private addresses are allowed (the fixtures live on 127.0.0.1); `policy` (LAION_DL_LIMIT_* settings)
 * goes to the fetcher and ingest, `fetcher` and `assembler` settings to that service only.
 */
export async function startFleet(
  natsUrl: string,
  settings: { policy?: Record<string, string>; fetcher?: Record<string, string>; assembler?: Record<string, string> } = {},
): Promise<Fleet> {
  const services: ServiceProcess[] = [];
  const started = async (name: Parameters<typeof startService>[0], settings: Record<string, string>) => {
    const service = await startService(name, { nats_url: natsUrl, ...settings });
    services.push(service);
    return service;
  };
  try {
    const policy = { limit_allow_private_network: "True", ...settings.policy };
    const fetcher = await started("fetcher", { ...policy, ...settings.fetcher });
    const transformer = await started("transformer", { fetcher_addresses: fetcher.address });
    await started("assembler", {
      fetcher_addresses: fetcher.address,
      transformer_addresses: transformer.address,
      ack_wait_ms: "3000",
      grace_ms: "5000",
      ...settings.assembler,
    });
    const ingest = await started("ingest", policy);
    const client = createClient<IngestServiceClient>((await loadContracts()).ingest, ingest.address, { maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES });
    return {
      services,
      submit: (manifestPath, options) =>
        new Promise((resolve, reject) =>
          client.SubmitJob({ manifest_path: manifestPath, options_json: JSON.stringify(options) }, (error, response) =>
            error ? reject(error) : resolve(response!.job_id),
          ),
        ),
      async waitForJob(jobId, timeoutMs = 120_000) {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          const status = await new Promise<JobStatus__Output>((resolve, reject) =>
            client.GetJob({ job_id: jobId }, (error, response) => (error ? reject(error) : resolve(response!))),
          );
          if (status.state === "done" || status.state === "failed") return status;
          if (Date.now() > deadline) throw new Error(`job ${jobId} not finished: ${JSON.stringify(status)}`);
          await sleep(200);
        }
      },
      async stop() {
        client.close();
        await Promise.all(services.map((service) => service.kill("SIGKILL")));
      },
    };
  } catch (error) {
    await Promise.all(services.map((service) => service.kill("SIGKILL")));
    throw error;
  }
}
