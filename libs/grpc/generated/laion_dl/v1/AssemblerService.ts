// Original file: ../../proto/laion_dl/v1/assembler.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { AssemblerStatus as _laion_dl_v1_AssemblerStatus, AssemblerStatus__Output as _laion_dl_v1_AssemblerStatus__Output } from '../../laion_dl/v1/AssemblerStatus.ts';
import type { DrainRequest as _laion_dl_v1_DrainRequest, DrainRequest__Output as _laion_dl_v1_DrainRequest__Output } from '../../laion_dl/v1/DrainRequest.ts';
import type { DrainResponse as _laion_dl_v1_DrainResponse, DrainResponse__Output as _laion_dl_v1_DrainResponse__Output } from '../../laion_dl/v1/DrainResponse.ts';
import type { GetStatusRequest as _laion_dl_v1_GetStatusRequest, GetStatusRequest__Output as _laion_dl_v1_GetStatusRequest__Output } from '../../laion_dl/v1/GetStatusRequest.ts';

export interface AssemblerServiceClient extends grpc.Client {
  /**
   * Stops pulling new shards, then returns once every in-flight shard is either finished
   * (written and acknowledged) or handed back to the queue (negatively acknowledged; its journal
   * keeps the rows done so far, so the next owner does not fetch them again). Calling it again
   * while draining waits for the same drain.
   */
  Drain(argument: _laion_dl_v1_DrainRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_laion_dl_v1_DrainResponse__Output>): grpc.ClientUnaryCall;
  Drain(argument: _laion_dl_v1_DrainRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_laion_dl_v1_DrainResponse__Output>): grpc.ClientUnaryCall;
  Drain(argument: _laion_dl_v1_DrainRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_laion_dl_v1_DrainResponse__Output>): grpc.ClientUnaryCall;
  Drain(argument: _laion_dl_v1_DrainRequest, callback: grpc.requestCallback<_laion_dl_v1_DrainResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Stops pulling new shards, then returns once every in-flight shard is either finished
   * (written and acknowledged) or handed back to the queue (negatively acknowledged; its journal
   * keeps the rows done so far, so the next owner does not fetch them again). Calling it again
   * while draining waits for the same drain.
   */
  drain(argument: _laion_dl_v1_DrainRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_laion_dl_v1_DrainResponse__Output>): grpc.ClientUnaryCall;
  drain(argument: _laion_dl_v1_DrainRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_laion_dl_v1_DrainResponse__Output>): grpc.ClientUnaryCall;
  drain(argument: _laion_dl_v1_DrainRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_laion_dl_v1_DrainResponse__Output>): grpc.ClientUnaryCall;
  drain(argument: _laion_dl_v1_DrainRequest, callback: grpc.requestCallback<_laion_dl_v1_DrainResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * What this replica is working on.
   */
  GetStatus(argument: _laion_dl_v1_GetStatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_laion_dl_v1_AssemblerStatus__Output>): grpc.ClientUnaryCall;
  GetStatus(argument: _laion_dl_v1_GetStatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_laion_dl_v1_AssemblerStatus__Output>): grpc.ClientUnaryCall;
  GetStatus(argument: _laion_dl_v1_GetStatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_laion_dl_v1_AssemblerStatus__Output>): grpc.ClientUnaryCall;
  GetStatus(argument: _laion_dl_v1_GetStatusRequest, callback: grpc.requestCallback<_laion_dl_v1_AssemblerStatus__Output>): grpc.ClientUnaryCall;
  /**
   * What this replica is working on.
   */
  getStatus(argument: _laion_dl_v1_GetStatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_laion_dl_v1_AssemblerStatus__Output>): grpc.ClientUnaryCall;
  getStatus(argument: _laion_dl_v1_GetStatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_laion_dl_v1_AssemblerStatus__Output>): grpc.ClientUnaryCall;
  getStatus(argument: _laion_dl_v1_GetStatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_laion_dl_v1_AssemblerStatus__Output>): grpc.ClientUnaryCall;
  getStatus(argument: _laion_dl_v1_GetStatusRequest, callback: grpc.requestCallback<_laion_dl_v1_AssemblerStatus__Output>): grpc.ClientUnaryCall;
  
}

export interface AssemblerServiceHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Stops pulling new shards, then returns once every in-flight shard is either finished
   * (written and acknowledged) or handed back to the queue (negatively acknowledged; its journal
   * keeps the rows done so far, so the next owner does not fetch them again). Calling it again
   * while draining waits for the same drain.
   */
  Drain: grpc.handleUnaryCall<_laion_dl_v1_DrainRequest__Output, _laion_dl_v1_DrainResponse>;
  
  /**
   * What this replica is working on.
   */
  GetStatus: grpc.handleUnaryCall<_laion_dl_v1_GetStatusRequest__Output, _laion_dl_v1_AssemblerStatus>;
  
}

export interface AssemblerServiceDefinition extends grpc.ServiceDefinition {
  Drain: MethodDefinition<_laion_dl_v1_DrainRequest, _laion_dl_v1_DrainResponse, _laion_dl_v1_DrainRequest__Output, _laion_dl_v1_DrainResponse__Output>
  GetStatus: MethodDefinition<_laion_dl_v1_GetStatusRequest, _laion_dl_v1_AssemblerStatus, _laion_dl_v1_GetStatusRequest__Output, _laion_dl_v1_AssemblerStatus__Output>
}
