// Where the download process's main thread spends its time, from a V8 .cpuprofile (node --cpu-prof):
// self time by package (our libs, node_modules packages, node internals), the busiest functions,
// and issue #11's buckets (HTTP, hashing, journal, tar/parquet, GC, sharp JS, idle, …).
// sharp's work runs on libuv threads and shows here only as the main thread being idle.
import { readFileSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  file: string;
  /** Profiled wall time, seconds. */
  seconds: number;
  /** Share of the main thread's time per package, highest first. */
  packages: { name: string; share: number }[];
  functions: { name: string; where: string; share: number }[];
  /** The main thread's time by issue #11's buckets, each sample given to the first frame from the leaf up that names one. */
  buckets: { name: string; share: number }[];
}

// Buckets by the source a frame comes from ("libs/shard/journal.ts", "node:internal/crypto/hash",
// ".../node_modules/undici/…") or its name; checked in this order, from the sampled frame up to the
// root, so a stream or fs call counts for whoever made it (the journal, the tar writer, undici).
const BUCKETS: readonly (readonly [name: string, matches: (source: string, functionName: string) => boolean])[] = [
  ["idle", (_, name) => name === "(idle)"],
  ["GC", (_, name) => name === "(garbage collector)"],
  ["hashing", (source, name) => /node:internal\/crypto\//.test(source) || name === "digestsOf"],
  ["journal", (source) => /libs\/shard\/journal\.ts/.test(source)],
  ["tar/parquet", (source) => /\/node_modules\/(tar-stream|parquetjs-lite|thrift|streamx|b4a)\/|libs\/shard\//.test(source)],
  ["sharp JS", (source) => /\/node_modules\/sharp\/|libs\/transform\//.test(source)],
  [
    "HTTP",
    (source) => /\/node_modules\/undici\/|node:internal\/deps\/undici|node:_http|node:net$|node:internal\/stream_base_commons|libs\/fetch\//.test(source),
  ],
  ["manifest", (source) => /libs\/manifest\//.test(source)],
];
const NOT_ATTRIBUTED = "(program): native, not attributed";
const OTHER = "other JS (pipeline, streams, timers)";

export async function summariseProfile(dir: string, top = 15): Promise<ProfileSummary | undefined> {
  const files = (await readdir(dir).catch(() => [] as string[])).filter((name) => name.endsWith(".cpuprofile"));
  if (files.length === 0) return undefined;
  // The download process writes one profile; pick the largest should a helper have written another.
  const texts = await Promise.all(files.map(async (name) => ({ name, text: await readFile(join(dir, name), "utf8") })));
  const { name, text } = texts.reduce((a, b) => (b.text.length > a.text.length ? b : a));
  const profile = JSON.parse(text) as CpuProfile;

  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const sources = new BundleSources();
  const selfMicros = new Map<number, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const delta = Math.max(0, profile.timeDeltas[i + 1] ?? 0);
    selfMicros.set(id, (selfMicros.get(id) ?? 0) + delta);
    total += delta;
  });

  const packages = new Map<string, number>();
  const functions = new Map<string, { name: string; where: string; micros: number }>();
  const buckets = new Map<string, number>();
  for (const [id, micros] of selfMicros) {
    const bucket = bucketOf(id, byId, parentOf, sources);
    buckets.set(bucket, (buckets.get(bucket) ?? 0) + micros);
    const frame = byId.get(id)!.callFrame;
    const source = sources.of(frame.url, frame.lineNumber);
    const owner = packageOf(source, frame.functionName);
    packages.set(owner, (packages.get(owner) ?? 0) + micros);
    const where = frame.url ? `${shortUrl(source)}${source === frame.url ? `:${frame.lineNumber + 1}` : ""}` : "";
    const key = `${frame.functionName}@${where}`;
    const entry = functions.get(key) ?? { name: frame.functionName || "(anonymous)", where, micros: 0 };
    entry.micros += micros;
    functions.set(key, entry);
  }
  const share = (micros: number) => micros / Math.max(total, 1);
  return {
    file: join(dir, name),
    seconds: total / 1e6,
    packages: [...packages].sort((a, b) => b[1] - a[1]).map(([owner, micros]) => ({ name: owner, share: share(micros) })),
    functions: [...functions.values()]
      .sort((a, b) => b.micros - a.micros)
      .slice(0, top)
      .map((f) => ({ name: f.name, where: f.where, share: share(f.micros) })),
    buckets: [...buckets].sort((a, b) => b[1] - a[1]).map(([name, micros]) => ({ name, share: share(micros) })),
  };
}

function bucketOf(id: number, byId: Map<number, ProfileNode>, parentOf: Map<number, number>, sources: BundleSources): string {
  const leaf = byId.get(id)!.callFrame;
  if (leaf.functionName === "(program)") return NOT_ATTRIBUTED;
  for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) {
    const frame = byId.get(at)!.callFrame;
    const source = sources.of(frame.url, frame.lineNumber);
    const bucket = BUCKETS.find(([, matches]) => matches(source, frame.functionName));
    if (bucket) return bucket[0];
  }
  return OTHER;
}

/**
 * The CLI runs from one esbuild bundle (apps/cli/bin.mjs) without a source map; esbuild heads each
 * module's code with a "// libs/…/x.ts" line, so a frame's line number in the bundle names its source.
 */
class BundleSources {
  private readonly starts = new Map<string, { line: number; source: string }[] | undefined>();

  of(url: string, lineNumber: number): string {
    if (!/\/\.cache\/laion-dl\/[^/]+\.mjs$/.test(url)) return url;
    let starts = this.starts.get(url);
    if (!this.starts.has(url)) {
      starts = readModuleStarts(url);
      this.starts.set(url, starts);
    }
    if (!starts) return url;
    let found = url;
    for (const start of starts) {
      if (start.line > lineNumber) break;
      found = start.source;
    }
    return found;
  }
}

function readModuleStarts(url: string): { line: number; source: string }[] | undefined {
  try {
    const lines = readFileSync(url.startsWith("file:") ? fileURLToPath(url) : url, "utf8").split("\n");
    return lines.flatMap((line, index) => {
      const match = /^\/\/ (\S*(?:libs|apps|services)\/\S+\.ts)$/.exec(line);
      return match ? [{ line: index, source: match[1]! }] : [];
    });
  } catch {
    return undefined; // the bundle is gone (another tree's): frames keep the bundle's URL
  }
}

/** "(idle)", "undici", "@laion-dl/shard", "node:internal/streams", … */
function packageOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith("(") ? functionName : "(native)";
  if (url.startsWith("node:")) return url.split("/").slice(0, 3).join("/");
  const modules = url.lastIndexOf("/node_modules/");
  if (modules >= 0) {
    const [scope, name] = url.slice(modules + 14).split("/");
    return scope?.startsWith("@") ? `${scope}/${name}` : (scope ?? url);
  }
  const lib = /(?:^|\/)(libs|apps|services)\/([^/]+)\//.exec(url);
  return lib ? `@laion-dl/${lib[2]}` : shortUrl(url);
}

function shortUrl(url: string): string {
  const modules = url.lastIndexOf("/node_modules/");
  if (modules >= 0) return url.slice(modules + 14);
  const repo = /\/(libs|apps|services|bench)\/.*$/.exec(url);
  return repo ? repo[0].slice(1) : url;
}
