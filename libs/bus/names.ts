// Every NATS name the bus uses, derived from one prefix so tests (and fleets) can share a server.

export interface BusNames {
  /** JetStream work-queue stream. */
  readonly stream: string;
  /** Subjects the stream captures. */
  readonly workSubjects: string;
  readonly jobsBucket: string;
  readonly shardsBucket: string;
  readonly inputsBucket: string;
  readonly policiesBucket: string;
  readonly backoffSubject: string;
  readonly saturationSubject: string;
  workSubject(jobId: string): string;
}

// Stream and bucket names allow only these; subjects are the lower-cased form.
const PREFIX = /^[A-Za-z0-9_-]+$/;
// A KV key and subject token without dots, so `${jobId}.${shardId}` splits one way only.
const JOB_ID = /^[A-Za-z0-9_=-]+$/;

export function busNames(prefix: string): BusNames {
  if (!PREFIX.test(prefix)) throw new RangeError(`Expected letters, digits, "_" or "-" for streamPrefix but received ${JSON.stringify(prefix)}`);
  const subject = prefix.toLowerCase();
  return {
    stream: `${prefix}_WORK`,
    workSubjects: `${subject}.work.>`,
    jobsBucket: `${prefix}_jobs`,
    shardsBucket: `${prefix}_shards`,
    inputsBucket: `${prefix}_inputs`,
    policiesBucket: `${prefix}_policies`,
    backoffSubject: `${subject}.signal.backoff`,
    saturationSubject: `${subject}.signal.saturation`,
    workSubject: (jobId) => `${subject}.work.${checkJobId(jobId)}`,
  };
}

/** `${jobId}.${shardId}`: the unit's dedupe id, its inputs object name and its shards KV key. */
export function shardKey(jobId: string, shardId: number): string {
  if (!Number.isSafeInteger(shardId) || shardId < 0) throw new RangeError(`Expected non-negative integer for shardId but received ${shardId}`);
  return `${checkJobId(jobId)}.${shardId}`;
}

function checkJobId(jobId: string): string {
  if (!JOB_ID.test(jobId)) throw new RangeError(`Expected letters, digits, "_", "=" or "-" for jobId but received ${JSON.stringify(jobId)}`);
  return jobId;
}
