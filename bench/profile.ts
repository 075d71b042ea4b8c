// Where the download process's main thread spends its time, from a V8 .cpuprofile (node --cpu-prof):
// self time by package (our libs, node_modules packages, node internals) and the busiest functions.
// sharp's work runs on libuv threads and shows here only as the main thread being idle.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
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
}

export async function summariseProfile(dir: string, top = 15): Promise<ProfileSummary | undefined> {
  const files = (await readdir(dir).catch(() => [] as string[])).filter((name) => name.endsWith(".cpuprofile"));
  if (files.length === 0) return undefined;
  // The download process writes one profile; pick the largest should a helper have written another.
  const texts = await Promise.all(files.map(async (name) => ({ name, text: await readFile(join(dir, name), "utf8") })));
  const { name, text } = texts.reduce((a, b) => (b.text.length > a.text.length ? b : a));
  const profile = JSON.parse(text) as CpuProfile;

  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfMicros = new Map<number, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const delta = Math.max(0, profile.timeDeltas[i + 1] ?? 0);
    selfMicros.set(id, (selfMicros.get(id) ?? 0) + delta);
    total += delta;
  });

  const packages = new Map<string, number>();
  const functions = new Map<string, { name: string; where: string; micros: number }>();
  for (const [id, micros] of selfMicros) {
    const frame = byId.get(id)!.callFrame;
    const owner = packageOf(frame.url, frame.functionName);
    packages.set(owner, (packages.get(owner) ?? 0) + micros);
    const where = frame.url ? `${shortUrl(frame.url)}:${frame.lineNumber + 1}` : "";
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
  };
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
  const lib = /\/(libs|apps|services)\/([^/]+)\//.exec(url);
  return lib ? `@laion-dl/${lib[2]}` : shortUrl(url);
}

function shortUrl(url: string): string {
  const modules = url.lastIndexOf("/node_modules/");
  if (modules >= 0) return url.slice(modules + 14);
  const repo = /\/(libs|apps|services|bench)\/.*$/.exec(url);
  return repo ? repo[0].slice(1) : url;
}
