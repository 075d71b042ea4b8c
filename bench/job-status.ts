// What a GetJob costs the ingest service on a big job, whose progress is one shard record per shard
// (LAION-115M: ~10 500). GetJob follows a job's records (followJob: one KV pass to start, then the
// watch keeps the figures), so a GetJob after the first reads only the job's record. Measured in the
// same run: starting a follower, a status from it, one full KV pass (jobStatus, GetJob before it
// followed) and, as the baseline, key by key (the listing, then one request per shard).
//   npx tsx bench/job-status.ts [--shards N] [--repeat N]
import { parseArgs } from "node:util";
import { connectBus, type Bus } from "@laion-dl/bus";
import { followJob, jobStatus, type ShardRecord } from "@laion-dl/jobs";
import { startNatsServer } from "@laion-dl/testing";

const { values } = parseArgs({ options: { shards: { type: "string", default: "10500" }, repeat: { type: "string", default: "3" } } });
const shards = Number(values.shards);
const repeat = Number(values.repeat);
const JOB = "job-status-bench";

const server = await startNatsServer();
const bus = await connectBus({ servers: server.url, name: "job-status-bench", streamPrefix: "BENCH" });
try {
  await bus.jobs.put(JOB, { jobId: JOB, state: "ingested", shardsTotal: shards, error: null });
  const done: ShardRecord = { status: "done", generation: 1, count: 10_000, successes: 9_000, tarSha256: "", parquetSha256: "" };
  for (let first = 0; first < shards; first += 500) {
    await Promise.all(Array.from({ length: Math.min(500, shards - first) }, (_, i) => bus.shards.put(`${JOB}.${first + i}`, done)));
  }
  console.log(`GetJob's progress read, ${shards} shard records in NATS KV (nats-server on loopback), ${repeat} reads each`);
  const startFollow = await timed(async () => {
    const progress = await followJob(bus, JOB);
    const shardsDone = (await progress.status())?.shardsDone ?? 0;
    progress.stop();
    return shardsDone;
  });
  const progress = await followJob(bus, JOB);
  const followed = await timed(async () => (await progress.status())?.shardsDone ?? 0, 100);
  progress.stop();
  const onePass = await timed(async () => (await jobStatus(bus, JOB))?.shardsDone ?? 0);
  const keyByKey = await timed(() => countKeyByKey(bus));
  const line = (label: string, figures: Figures) => console.log(`${label}: ${list(figures.ms)} ms (client CPU ${list(figures.cpuMs)} ms)`);
  line("start following (1st GetJob)", startFollow);
  line("followed (later GetJobs)    ", followed);
  line("one pass (jobStatus)        ", onePass);
  line("key by key (baseline)       ", keyByKey);
  console.log(
    `followed vs one pass: ${(median(onePass.ms) / median(followed.ms)).toFixed(0)}× faster; one pass vs key by key: ${(median(keyByKey.ms) / median(onePass.ms)).toFixed(1)}× faster (medians)`,
  );
} finally {
  await bus.close();
  await server.stop();
}

interface Figures {
  ms: number[];
  cpuMs: number[];
}

async function timed(read: () => Promise<number>, times = repeat): Promise<Figures> {
  const figures: Figures = { ms: [], cpuMs: [] };
  for (let i = 0; i < times; i++) {
    const cpu = process.cpuUsage();
    const started = performance.now();
    const counted = await read();
    figures.ms.push(performance.now() - started);
    const used = process.cpuUsage(cpu);
    figures.cpuMs.push((used.user + used.system) / 1000);
    if (counted !== shards) throw new Error(`Expected ${shards} finished shards but read ${counted}`);
  }
  return figures;
}

async function countKeyByKey(bus: Bus): Promise<number> {
  let finished = 0;
  for (const key of await bus.shards.keys(`${JOB}.`)) if ((await bus.shards.get(key))?.status === "done") finished++;
  return finished;
}

/** Every figure when there are a few, else the median and range. */
function list(values: readonly number[]): string {
  const digits = Math.max(...values) < 10 ? 2 : 0;
  if (values.length <= 5) return values.map((value) => value.toFixed(digits)).join(", ");
  return `median ${median(values).toFixed(digits)} of ${values.length} (${Math.min(...values).toFixed(digits)}-${Math.max(...values).toFixed(digits)})`;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}
