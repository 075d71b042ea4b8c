import type { ManifestRow } from "@laion-dl/manifest";

export interface ShardGroup {
  readonly shardId: number;
  /** The shard's rows, in manifest order; must be consumed before the next group is requested. */
  readonly rows: AsyncIterable<ManifestRow>;
}

/** Cuts a manifest's row stream into consecutive shards of `perShard` rows, without buffering. */
export async function* shardGroups(source: AsyncIterable<ManifestRow>, perShard: number): AsyncGenerator<ShardGroup> {
  const iterator = source[Symbol.asyncIterator]();
  let next = await iterator.next();
  while (!next.done) {
    const shardId = Math.floor(next.value.index / perShard);
    let exhausted = false;
    const rows = (async function* () {
      while (!next.done && Math.floor(next.value.index / perShard) === shardId) {
        yield next.value;
        next = await iterator.next();
      }
      exhausted = true;
    })();
    yield { shardId, rows };
    if (!exhausted) throw new Error(`shard ${shardId}'s rows were not consumed before the next shard was requested`);
  }
}
