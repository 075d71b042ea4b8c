/** How sample keys and shard file names are laid out (img2dataset's scheme). */
export interface KeyLayout {
  /** Rows per shard (number_sample_per_shard). */
  readonly samplesPerShard: number;
  /** Digits reserved for the row index: ceil(log10(samplesPerShard)). */
  readonly sampleDigits: number;
  /** Minimum digits of the shard id (oom_shard_count, default 5). */
  readonly shardDigits: number;
}

export function keyLayout(samplesPerShard: number, shardDigits = 5): KeyLayout {
  if (!Number.isInteger(samplesPerShard) || samplesPerShard < 1) {
    throw new RangeError(`Expected a positive integer for samplesPerShard but received ${samplesPerShard}`);
  }
  return { samplesPerShard, sampleDigits: Math.ceil(Math.log10(samplesPerShard)), shardDigits };
}

/** `10^sampleDigits * shardId + row`, zero-padded to shardDigits + sampleDigits characters. */
export function sampleKey(layout: KeyLayout, shardId: number, rowInShard: number): string {
  const index = BigInt(shardId) * 10n ** BigInt(layout.sampleDigits) + BigInt(rowInShard);
  return index.toString().padStart(layout.shardDigits + layout.sampleDigits, "0");
}

export function shardName(layout: KeyLayout, shardId: number): string {
  return String(shardId).padStart(layout.shardDigits, "0");
}
