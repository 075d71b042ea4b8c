import { connect, Events, StorageType, type JetStreamManager, type KV, type NatsConnection, type ObjectStore } from "nats";
import { attempt, BusError } from "./errors.ts";
import { createKvStore, type KvStore } from "./kv-store.ts";
import type { NatsAuth } from "./nats-auth.ts";
import { busNames, type BusNames } from "./names.ts";
import { createShardInputStore, type ShardInputStore } from "./shard-inputs.ts";
import { createStagePolicies, POLICY_TTL_MS, type StagePolicies } from "./stage-policies.ts";
import { createNatsSignals, type Signals } from "./signals.ts";
import { createWorkQueue, ensureWorkStream, type WorkQueue } from "./work-queue.ts";

export interface Bus {
  readonly workQueue: WorkQueue;
  readonly inputs: ShardInputStore;
  /** Job id -> job record. */
  readonly jobs: KvStore<Record<string, unknown>>;
  /** `${jobId}.${shardId}` -> shard state (status, checksums, counts). */
  readonly shards: KvStore<Record<string, unknown>>;
  readonly signals: Signals;
  /** The limits each running fetcher enforces, so a job beyond them is refused before it starts. */
  readonly policies: StagePolicies;
  /** False while the client is reconnecting (it retries forever) and after close(). */
  readonly connected: boolean;
  /** How many times the client has reconnected: what was followed before may have missed writes. */
  readonly reconnects: number;
  /** Ends waiting consumers, then drains: in-flight publishes and acks finish before the connection closes. */
  close(): Promise<void>;
}

export interface ConnectBusOptions {
  servers: string | string[];
  /** Client name shown by the server (service and instance). */
  name: string;
  /** Namespace of every stream, bucket and subject; default "LAION_DL". */
  streamPrefix?: string;
  /** Credentials and TLS (readNatsAuth); default none. */
  auth?: NatsAuth;
  /** How long to keep trying to connect and set up the streams; default 10 000 ms. */
  connectTimeoutMs?: number;
  /** Told each time the client has reconnected (for laion_dl_nats_reconnects_total). */
  onReconnect?(): void;
}

const RECONNECT_WAIT_MS = 500;
const RETRY_DELAY_MS = 250;

/**
 * Connects and creates (or binds to) the work stream, the KV buckets and the inputs object store,
 * all on file storage so they survive a nats-server restart. Any number of processes may do this at
 * once. After a disconnect the client reconnects forever and the same Bus keeps working.
 */
export async function connectBus(options: ConnectBusOptions): Promise<Bus> {
  const { servers, name, streamPrefix = "LAION_DL", connectTimeoutMs = 10_000 } = options;
  const names = busNames(streamPrefix);
  const deadline = Date.now() + connectTimeoutMs;
  const failed = (error: unknown) =>
    new BusError(
      `Expected a NATS server with JetStream at ${String(servers)} within ${connectTimeoutMs} ms (${error instanceof Error ? error.message : String(error)})`,
      {
        cause: error,
      },
    );
  // The server may still be starting, or (clustered) still electing a JetStream leader.
  const nc = await retryUntil(deadline, failed, () =>
    connect({
      ...options.auth,
      servers,
      name,
      timeout: Math.max(1, Math.min(2_000, deadline - Date.now())),
      maxReconnectAttempts: -1,
      reconnectTimeWait: RECONNECT_WAIT_MS,
    }),
  );
  let assets: Assets;
  try {
    assets = await retryUntil(deadline, failed, () => openAssets(nc, names));
  } catch (error) {
    await nc.close();
    throw error;
  }

  let connected = true;
  let reconnects = 0;
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === Events.Disconnect) connected = false;
      else if (status.type === Events.Reconnect) {
        connected = true;
        reconnects++;
        options.onReconnect?.();
      }
    }
  })();
  const workQueue = createWorkQueue(nc.jetstream(), assets.jsm, names);
  let closing: Promise<void> | undefined;
  return {
    workQueue: { publish: workQueue.publish, consume: workQueue.consume, outstanding: workQueue.outstanding },
    inputs: createShardInputStore(assets.inputs, names.inputsBucket),
    jobs: createKvStore(assets.jobs, names.jobsBucket),
    shards: createKvStore(assets.shards, names.shardsBucket),
    signals: createNatsSignals(nc, names),
    policies: createStagePolicies(assets.policies, names.policiesBucket),
    get connected() {
      return connected && !nc.isClosed();
    },
    get reconnects() {
      return reconnects;
    },
    close() {
      closing ??= (async () => {
        await workQueue.closeAll();
        if (!nc.isClosed()) await attempt("draining NATS connection", () => nc.drain());
      })();
      return closing;
    },
  };
}

interface Assets {
  jsm: JetStreamManager;
  jobs: KV;
  shards: KV;
  policies: KV;
  inputs: ObjectStore;
}

async function openAssets(nc: NatsConnection, names: BusNames): Promise<Assets> {
  const jsm = await nc.jetstreamManager();
  const js = nc.jetstream();
  await ensureWorkStream(jsm, names);
  const kv = { storage: StorageType.File, history: 1 };
  const [jobs, shards, policies, inputs] = await Promise.all([
    attempt(`opening KV ${names.jobsBucket}`, () => js.views.kv(names.jobsBucket, kv)),
    attempt(`opening KV ${names.shardsBucket}`, () => js.views.kv(names.shardsBucket, kv)),
    // On file too, or a nats-server restart would leave the bucket gone under every open Bus; an
    // entry lives only as long as its stage keeps refreshing it.
    attempt(`opening KV ${names.policiesBucket}`, () => js.views.kv(names.policiesBucket, { ...kv, ttl: POLICY_TTL_MS })),
    attempt(`opening object store ${names.inputsBucket}`, () => js.views.os(names.inputsBucket, { storage: StorageType.File })),
  ]);
  return { jsm, jobs, shards, policies, inputs };
}

async function retryUntil<T>(deadline: number, failed: (error: unknown) => Error, operation: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await operation();
    } catch (error) {
      if (Date.now() + RETRY_DELAY_MS >= deadline) throw failed(error);
      await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
    }
  }
}
