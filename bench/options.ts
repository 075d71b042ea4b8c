// The bench's flags, read once into a frozen, validated object; a bad value stops the run at once.
import { join } from "node:path";
import { parseArgs } from "node:util";

export const BENCH_DIR = import.meta.dirname;
export const REPO_ROOT = join(BENCH_DIR, "..");
/** Corpora, manifests, shard output and profiles (gitignored). */
export const WORK_DIR = join(BENCH_DIR, ".work");

export interface CeilingConfig {
  /** sharp.concurrency(): libvips threads per image. */
  readonly concurrency: number;
  /** Images transformed at once. */
  readonly jobs: number;
}

export type Phase = "ceiling" | "embedded" | "small-shards" | "distributed" | "ingest" | "photo" | "photo-fleet" | "wan";

export interface BenchOptions {
  readonly rows: number;
  /** Rows of the photo-like manifest (the photo and WAN profiles). */
  readonly photoRows: number;
  readonly seed: number;
  readonly threadCount: number;
  readonly ingestGb: number;
  readonly ceilingConfigs: readonly CeilingConfig[];
  readonly smallShards: number;
  /** Timed runs of each ceiling setting, embedded and distributed job; the best one counts. */
  readonly repeat: number;
  /** Extra environment for the download process and the services (e.g. MALLOC_ARENA_MAX=2). */
  readonly extraEnv: Readonly<Record<string, string>>;
  /** More download options for every job (and the ceiling's transform settings). */
  readonly jobExtra: Readonly<Record<string, string>>;
  /** Longest wait, before each timed run, for other processes on the machine to go quiet. */
  readonly quietWait: number;
  readonly skip: ReadonlySet<Phase>;
  readonly cpuProf: boolean;
  /** One more embedded run of the photo profile under perf record + node --cpu-prof: where the CPU goes. */
  readonly cpuBreakdown: boolean;
  readonly out: string;
}

export const USAGE = `usage: npx -y pnpm@9 bench [options]

  --rows N              images in the corpus (default 2000)
  --seed N              demoRows seed (default 0)
  --thread-count N      --thread_count of the download runs (default 64)
  --ingest-gb X         size of the generated seed-format JSON for the ingest figure (default 1)
  --ceiling LIST        sharp-alone settings to try, CONCURRENCYxJOBS (default 1x2,1x3,1x4,2x2)
  --repeat N            timed runs of each ceiling setting and of the embedded and distributed
                        jobs; the best counts, all are kept in results.json (default 2)
  --small-shards N      one more embedded run with this --number_sample_per_shard (default 1000)
  --photo-rows N        rows of the photo-like manifest of the photo and WAN profiles (default 2000)
  --env KEY=VALUE       extra environment for laion-dl, the services and sharp alone (repeatable),
                        e.g. to try MALLOC_ARENA_MAX=2 or LAION_DL_ALLOCATOR=tcmalloc
  --skip-ceiling  --skip-embedded  --skip-small-shards  --skip-distributed  --skip-ingest
                        leave out a phase on the demo corpus
  --skip-photo  --skip-photo-fleet  --skip-wan
                        leave out the photo profile's ceiling, embedded and leanest runs, its fleet run, or
                        the WAN profile
  --profiles-only       only the photo and WAN profiles (every --skip of the demo corpus)
  --job KEY=VALUE       another download option for the embedded and distributed jobs (repeatable),
                        e.g. processes_count=4; image options apply to the ceiling too
  --quiet-wait S        before each timed run, wait up to S seconds for other processes on the
                        machine to go quiet (default 30; 0: don't wait)
  --cpu-prof            one more embedded run under node --cpu-prof, summarised (bench/.work/prof/)
  --cpu-breakdown       one more embedded run of the photo profile under perf record (installs
                        Debian's linux-perf if missing) and node --cpu-prof: CPU by shared object,
                        top symbols, and the main thread's time in buckets
  --out PATH            where to write the figures (default bench/results.json)
`;

export function readOptions(argv: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    // `pnpm bench -- --rows 200` passes the "--" along.
    args: argv.filter((arg) => arg !== "--"),
    options: {
      rows: { type: "string", default: "2000" },
      "photo-rows": { type: "string", default: "2000" },
      seed: { type: "string", default: "0" },
      "thread-count": { type: "string", default: "64" },
      "ingest-gb": { type: "string", default: "1" },
      ceiling: { type: "string", default: "1x2,1x3,1x4,2x2" },
      repeat: { type: "string", default: "2" },
      env: { type: "string", multiple: true, default: [] },
      "quiet-wait": { type: "string", default: "30" },
      job: { type: "string", multiple: true, default: [] },
      "small-shards": { type: "string", default: "1000" },
      "skip-ceiling": { type: "boolean", default: false },
      "skip-embedded": { type: "boolean", default: false },
      "skip-small-shards": { type: "boolean", default: false },
      "skip-distributed": { type: "boolean", default: false },
      "skip-ingest": { type: "boolean", default: false },
      "skip-photo": { type: "boolean", default: false },
      "skip-photo-fleet": { type: "boolean", default: false },
      "skip-wan": { type: "boolean", default: false },
      "profiles-only": { type: "boolean", default: false },
      "cpu-prof": { type: "boolean", default: false },
      "cpu-breakdown": { type: "boolean", default: false },
      out: { type: "string", default: join(BENCH_DIR, "results.json") },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const skip = new Set<Phase>();
  const profilesOnly = values["profiles-only"];
  if (values["skip-ceiling"] || profilesOnly) skip.add("ceiling");
  if (values["skip-embedded"] || profilesOnly) skip.add("embedded");
  if (values["skip-small-shards"] || values["skip-embedded"] || profilesOnly) skip.add("small-shards");
  if (values["skip-distributed"] || profilesOnly) skip.add("distributed");
  if (values["skip-ingest"] || profilesOnly) skip.add("ingest");
  if (values["skip-photo"]) skip.add("photo");
  if (values["skip-photo-fleet"]) skip.add("photo-fleet");
  if (values["skip-wan"]) skip.add("wan");
  return Object.freeze({
    rows: integer("--rows", values.rows, 1),
    photoRows: integer("--photo-rows", values["photo-rows"], 1),
    seed: integer("--seed", values.seed, 0),
    threadCount: integer("--thread-count", values["thread-count"], 1),
    ingestGb: positive("--ingest-gb", values["ingest-gb"]),
    ceilingConfigs: ceilingConfigs(values.ceiling),
    smallShards: integer("--small-shards", values["small-shards"], 1),
    repeat: integer("--repeat", values.repeat, 1),
    extraEnv: keyValues("--env", values.env, /^[A-Za-z_][A-Za-z0-9_]*$/),
    jobExtra: keyValues("--job", values.job, /^[a-z_]+$/),
    quietWait: integer("--quiet-wait", values["quiet-wait"], 0),
    skip,
    cpuProf: values["cpu-prof"],
    cpuBreakdown: values["cpu-breakdown"],
    out: values.out,
  });
}

function integer(flag: string, raw: string, min: number): number {
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < min) throw new RangeError(`Expected integer >= ${min} for ${flag} but received ${raw}`);
  return value;
}

function positive(flag: string, raw: string): number {
  const value = Number(raw);
  if (!(value > 0)) throw new RangeError(`Expected positive number for ${flag} but received ${raw}`);
  return value;
}

function ceilingConfigs(raw: string): CeilingConfig[] {
  return raw.split(",").map((item) => {
    const match = /^(\d+)x(\d+)$/.exec(item.trim());
    if (!match || Number(match[1]) < 1 || Number(match[2]) < 1) {
      throw new RangeError(`Expected CONCURRENCYxJOBS (e.g. 1x2) for --ceiling but received ${item}`);
    }
    return { concurrency: Number(match[1]), jobs: Number(match[2]) };
  });
}

function keyValues(flag: string, items: readonly string[], key: RegExp): Record<string, string> {
  const values: Record<string, string> = {};
  for (const item of items) {
    const split = item.indexOf("=");
    if (split < 0 || !key.test(item.slice(0, split))) throw new RangeError(`Expected KEY=VALUE for ${flag} but received ${item}`);
    values[item.slice(0, split)] = item.slice(split + 1);
  }
  return Object.freeze(values);
}
