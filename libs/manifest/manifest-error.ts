/**
 * A manifest that cannot be read past some point: truncated, malformed or not UTF-8. `offset` is
 * the byte offset in the decompressed input where reading stopped; `line` is 1-based.
 */
export class ManifestError extends Error {
  override readonly name = "ManifestError";
  constructor(
    path: string,
    reason: string,
    readonly offset: number,
    readonly line?: number,
    options?: ErrorOptions,
  ) {
    super(`${path}: ${reason} at byte ${offset}${line === undefined ? "" : `, line ${line}`}`, options);
  }
}
