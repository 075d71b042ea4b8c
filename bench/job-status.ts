// What a GetJob costs the ingest service on a big job: the job's progress is read from one shard
// record per shard (LAION-115M: ~10 500). Reads them in one KV pass (jobStatus, what GetJob does)
// and, as the baseline in the same run, key by key (the listing, then one request per shard).
//   npx tsx bench/job-status.ts [--shards N] [--repeat N]
import { parseArgs } from "node:util";
import { connectBus, type Bus } from "@laion-dl/bus";
import { jobStatus, type ShardRecord } from "@laion-dl/jobs";
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
  const onePass = await timed(async () => (await jobStatus(bus, JOB))?.shardsDone ?? 0);
  const keyByKey = await timed(() => countKeyByKey(bus));
  const line = (label: string, figures: Figures) =>
    console.log(`${label}: ${figures.ms.map((ms) => ms.toFixed(0)).join(", ")} ms (client CPU ${figures.cpuMs.map((ms) => ms.toFixed(0)).join(", ")} ms)`);
  line("one pass (jobStatus)       ", onePass);
  line("key by key (baseline)      ", keyByKey);
  console.log(`one pass vs key by key: ${(median(keyByKey.ms) / median(onePass.ms)).toFixed(1)}× faster (medians)`);
} finally {
  await bus.close();
  await server.stop();
}

interface Figures {
  ms: number[];
  cpuMs: number[];
}

async function timed(read: () => Promise<number>): Promise<Figures> {
  const figures: Figures = { ms: [], cpuMs: [] };
  for (let i = 0; i < repeat; i++) {
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

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}
