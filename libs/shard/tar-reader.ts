import { createReadStream } from "node:fs";
import { pipeline } from "node:stream/promises";
import tar from "tar-stream";

/** One sample's members of a shard tar: extension → bytes. */
export interface TarSample {
  readonly key: string;
  readonly members: ReadonlyMap<string, Buffer>;
}

/**
 * Reads a shard tar back sample by sample (members of a key are contiguous), so only one
 * sample is in memory at a time.
 */
export async function* readTarSamples(path: string): AsyncGenerator<TarSample> {
  const extract = tar.extract();
  const reading = pipeline(createReadStream(path), extract);
  reading.catch(() => {}); // surfaces through the iteration below
  let current: { key: string; members: Map<string, Buffer> } | null = null;
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry) chunks.push(chunk as Buffer);
    const name = entry.header.name;
    const dot = name.indexOf(".");
    const key = name.slice(0, dot);
    if (current && current.key !== key) yield current;
    if (!current || current.key !== key) current = { key, members: new Map() };
    current.members.set(name.slice(dot + 1), Buffer.concat(chunks));
  }
  await reading;
  if (current) yield current;
}
