// Original file: ../../proto/laion_dl/v1/assembler.proto

import type { ShardProgress as _laion_dl_v1_ShardProgress, ShardProgress__Output as _laion_dl_v1_ShardProgress__Output } from '../../laion_dl/v1/ShardProgress.ts';
import type { Long } from '@grpc/proto-loader';

export interface AssemblerStatus {
  /**
   * "running" (pulling shards), "draining" (finishing or handing back, pulling none) or
   * "drained" (holds no shard).
   */
  'state'?: (string);
  /**
   * Shards in progress on this replica, in shard order.
   */
  'shards'?: (_laion_dl_v1_ShardProgress)[];
  /**
   * Current in-flight window: rows this replica may have outstanding at the fetchers and
   * transformers at once, after backpressure from saturation signals.
   */
  'window_size'?: (number);
  /**
   * Rows currently outstanding (at most window_size).
   */
  'in_flight'?: (number);
  /**
   * Shards this replica finished since it started.
   */
  'shards_finished'?: (number | string | Long);
}

export interface AssemblerStatus__Output {
  /**
   * "running" (pulling shards), "draining" (finishing or handing back, pulling none) or
   * "drained" (holds no shard).
   */
  'state': (string);
  /**
   * Shards in progress on this replica, in shard order.
   */
  'shards': (_laion_dl_v1_ShardProgress__Output)[];
  /**
   * Current in-flight window: rows this replica may have outstanding at the fetchers and
   * transformers at once, after backpressure from saturation signals.
   */
  'window_size': (number);
  /**
   * Rows currently outstanding (at most window_size).
   */
  'in_flight': (number);
  /**
   * Shards this replica finished since it started.
   */
  'shards_finished': (number);
}
