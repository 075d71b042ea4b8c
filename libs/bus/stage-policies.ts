import type { KV } from "nats";
import { attempt } from "./errors.ts";
import { createKvStore } from "./kv-store.ts";

/** A stage's limits as published: limit name (limit_timeout, …) to its value. */
export type PublishedPolicy = Readonly<Record<string, number | boolean>>;

export interface StagePolicy {
  /** The stage instance that published it ("fetcher host-123"). */
  readonly source: string;
  readonly policy: PublishedPolicy;
}

/**
 * The policies of the running stages, so that a job can be checked against the whole fleet's
 * before any work starts. Each stage keeps its entry fresh while it runs and removes it on a clean
 * stop; an entry not refreshed for the bucket's TTL (its stage was killed) expires.
 */
export interface StagePolicies {
  /** Publishes now and again every TTL/3 until the returned function, which removes the entry, is called. */
  advertise(source: string, policy: PublishedPolicy, onError: (error: unknown) => void): Promise<() => Promise<void>>;
  list(): Promise<StagePolicy[]>;
}

/** How long an entry outlives its stage's last refresh. */
export const POLICY_TTL_MS = 30_000;

export function createStagePolicies(kv: KV, bucket: string): StagePolicies {
  const store = createKvStore<StagePolicy>(kv, bucket);
  // A KV key allows [-/_=.a-zA-Z0-9]; host names and pids fit once spaces and others are replaced.
  const keyOf = (source: string) => source.replace(/[^-/_=a-zA-Z0-9]/g, "_");
  return {
    async advertise(source, policy, onError) {
      const key = keyOf(source);
      await store.put(key, { source, policy });
      const timer = setInterval(() => void store.put(key, { source, policy }).catch(onError), POLICY_TTL_MS / 3);
      timer.unref();
      return async () => {
        clearInterval(timer);
        await attempt(`removing ${bucket}/${key}`, () => kv.delete(key));
      };
    },
    async list() {
      const policies: StagePolicy[] = [];
      for (const entry of (await store.entries()).values()) {
        if (entry && typeof entry.source === "string" && typeof entry.policy === "object" && entry.policy !== null) policies.push(entry);
      }
      return policies;
    },
  };
}
