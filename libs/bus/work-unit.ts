/** One shard to assemble: the message on the work queue. */
export interface WorkUnit {
  readonly jobId: string;
  readonly shardId: number;
  readonly rowCount: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeUnit(unit: WorkUnit): Uint8Array {
  if (!Number.isSafeInteger(unit.rowCount) || unit.rowCount < 0) {
    throw new RangeError(`Expected non-negative integer for rowCount but received ${unit.rowCount}`);
  }
  return encoder.encode(JSON.stringify({ jobId: unit.jobId, shardId: unit.shardId, rowCount: unit.rowCount }));
}

/** The unit in a message body, or undefined when the body is not one. */
export function decodeUnit(data: Uint8Array): WorkUnit | undefined {
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(data));
  } catch {
    return undefined;
  }
  const unit = value as Partial<WorkUnit> | null;
  if (typeof unit?.jobId !== "string" || !Number.isSafeInteger(unit.shardId) || !Number.isSafeInteger(unit.rowCount)) return undefined;
  return Object.freeze({ jobId: unit.jobId, shardId: unit.shardId as number, rowCount: unit.rowCount as number });
}
