export { connectBus, type Bus, type ConnectBusOptions } from "./connect-bus.ts";
export { BusError } from "./errors.ts";
export type { KvStore } from "./kv-store.ts";
export { shardKey } from "./names.ts";
export type { ShardInputStore } from "./shard-inputs.ts";
export { createLocalSignals, startSaturationAdverts, type HostBackoffSignal, type SaturationAdvert, type Signals } from "./signals.ts";
export type { WorkLease, WorkConsumer } from "./work-consumer.ts";
export type { WorkQueue } from "./work-queue.ts";
export type { WorkUnit } from "./work-unit.ts";
