// The distributed mode on this one machine: nats-server + ingest, fetcher, transformer and assembler
// as separate processes; each job goes in through the ingest service's SubmitJob, as a client's would.
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { createClient, DEFAULT_MAX_MESSAGE_BYTES, loadContracts, type IngestServiceClient, type JobStatus__Output } from "@laion-dl/grpc";
import { startNatsServer } from "@laion-dl/testing";
import { shardStats } from "./embedded.ts";
import { jobOptions } from "./job.ts";
import { childPids, cpuMeter, machineMeter, startSampler } from "./proc.ts";
import { missingServices, startService, type ServiceProcess } from "./services.ts";

export interface DistributedRun {
  count: number;
  successes: number;
  /** SubmitJob to the job's state reading "done" (polled every 100 ms). */
  seconds: number;
  imagesPerSecond: number;
  /** Peak RSS (VmHWM, since the process started) and CPU seconds over the job, per process. */
  processes: Record<string, { peakRss: number; cpuSeconds: number }>;
  fixtureCpuSeconds: number;
  /** CPU seconds every other process on the machine used meanwhile. */
  otherCpuSeconds: number;
}

export type DistributedResult = { skipped: string } | { best: DistributedRun; runs: DistributedRun[] };
/** Ceiling passes of the best setting around the runs: [i] just before runs[i], [i + 1] just after it. */
export type PairedDistributedResult = { skipped: string } | { best: DistributedRun; runs: DistributedRun[]; pairedCeiling: number[] };

const POLL_MS = 100;
const JOB_TIMEOUT_MS = 600_000;

/** Starts the fleet once and runs the job `repeat` times on it (each into a fresh output folder). */
export async function runDistributed(options: {
  manifest: string;
  inputFormat?: "json" | "tsv";
  workDir: string;
  perShard: number;
  threadCount: number;
  repeat: number;
  fixturePid: number;
  extraEnv: Readonly<Record<string, string>>;
  jobExtra: Readonly<Record<string, string>>;
  log: (line: string) => void;
  /** Called before each timed job (the bench waits for a quiet machine there). */
  beforeEach: () => Promise<void>;
  /** Called once after the last timed job, the services still up. */
  afterLast: () => Promise<void>;
}): Promise<DistributedResult> {
  const missing = await missingServices();
  if (missing.length > 0) return { skipped: `services/${missing.join(", services/")} missing (no main.ts)` };

  const nats = await startNatsServer();
  const natsPid = childPids(process.pid, "nats-server")[0];
  const services: ServiceProcess[] = [];
  try {
    const stage = { nats_url: nats.url, data_root: options.workDir }; // the manifest and every output folder are inside
    const start = (name: Parameters<typeof startService>[0], settings: Record<string, string>) => startService(name, settings, options.extraEnv);
    const fetcher = await start("fetcher", { ...stage, limit_allow_private_network: "True" });
    services.push(fetcher);
    const transformer = await start("transformer", { ...stage, fetcher_addresses: fetcher.address });
    services.push(transformer);
    const [assembler, ingest] = await Promise.all([
      start("assembler", { ...stage, fetcher_addresses: fetcher.address, transformer_addresses: transformer.address }),
      start("ingest", { ...stage, limit_allow_private_network: "True" }),
    ]);
    services.push(assembler, ingest);
    options.log(`  nats-server${natsPid ? ` (pid ${natsPid})` : ""}, ${services.map((s) => `${s.name} (pid ${s.pid})`).join(", ")} serving`);

    const pids: Record<string, number> = Object.fromEntries(services.map((s) => [s.name, s.pid]));
    if (natsPid !== undefined) pids["nats-server"] = natsPid;
    const contracts = await loadContracts();
    const client = createClient<IngestServiceClient>(contracts.ingest, ingest.address, { maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES });
    const runs: DistributedRun[] = [];
    try {
      for (let attempt = 1; attempt <= options.repeat; attempt++) {
        await options.beforeEach();
        const output = join(options.workDir, `distributed-${attempt}`);
        await rm(output, { recursive: true, force: true });
        const run = await runJob(client, pids, { ...options, output });
        options.log(
          `  run ${attempt}: ${run.successes}/${run.count} in ${run.seconds.toFixed(1)} s = ${run.imagesPerSecond.toFixed(1)} img/s ` +
            `(other processes ${(run.otherCpuSeconds / run.seconds).toFixed(2)} cores)`,
        );
        runs.push(run);
        await rm(output, { recursive: true, force: true });
      }
      await options.afterLast();
    } finally {
      client.close();
    }
    return { best: runs.reduce((a, b) => (b.imagesPerSecond > a.imagesPerSecond ? b : a)), runs };
  } finally {
    await Promise.all(services.map((service) => service.stop()));
    await nats.stop();
  }
}

async function runJob(
  client: IngestServiceClient,
  pids: Record<string, number>,
  options: {
    manifest: string;
    inputFormat?: "json" | "tsv";
    output: string;
    perShard: number;
    threadCount: number;
    fixturePid: number;
    jobExtra: Readonly<Record<string, string>>;
  },
): Promise<DistributedRun> {
  const fixtureCpu = cpuMeter(options.fixturePid);
  const machine = machineMeter();
  const sampler = startSampler(pids);
  const started = performance.now();
  const job = jobOptions(options);
  // The manifest travels as manifest_path; SubmitJob refuses it among the options.
  const { url_list: _manifest, ...jobWithoutManifest } = job;
  const { job_id } = await call<{ job_id: string }>((done) =>
    client.SubmitJob({ manifest_path: options.manifest, options_json: JSON.stringify(jobWithoutManifest) }, done),
  );
  const deadline = Date.now() + JOB_TIMEOUT_MS;
  let status: JobStatus__Output;
  for (;;) {
    status = await call<JobStatus__Output>((done) => client.GetJob({ job_id }, done));
    if (status.state === "done" || status.state === "failed") break;
    if (Date.now() > deadline) throw new Error(`job ${job_id} not done after ${JOB_TIMEOUT_MS} ms: ${JSON.stringify(status)}`);
    await sleep(POLL_MS);
  }
  const seconds = (performance.now() - started) / 1000;
  const figures = sampler.stop();
  const fixtureCpuSeconds = fixtureCpu.read();
  const machineCpuSeconds = machine.read();
  if (status.state !== "done") throw new Error(`distributed job failed: ${JSON.stringify(status)}`);
  const processes = Object.fromEntries(Object.entries(figures).map(([name, f]) => [name, { peakRss: f.peakRss, cpuSeconds: f.cpuSeconds }]));
  const ourCpu = Object.values(processes).reduce((sum, p) => sum + p.cpuSeconds, 0) + fixtureCpuSeconds;
  const stats = await shardStats(options.output);
  const successes = stats.reduce((sum, s) => sum + s.successes, 0);
  return {
    count: stats.reduce((sum, s) => sum + s.count, 0),
    successes,
    seconds,
    imagesPerSecond: successes / seconds,
    processes,
    fixtureCpuSeconds,
    otherCpuSeconds: Math.max(0, machineCpuSeconds - ourCpu),
  };
}

function call<Response>(invoke: (done: (error: Error | null, response?: Response) => void) => void): Promise<Response> {
  return new Promise((resolve, reject) => invoke((error, response) => (error ? reject(error) : resolve(response!))));
}
