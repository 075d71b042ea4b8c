// Original file: ../../proto/laion_dl/v1/transform.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { TransformRequest as _laion_dl_v1_TransformRequest, TransformRequest__Output as _laion_dl_v1_TransformRequest__Output } from '../../laion_dl/v1/TransformRequest.ts';
import type { TransformResponse as _laion_dl_v1_TransformResponse, TransformResponse__Output as _laion_dl_v1_TransformResponse__Output } from '../../laion_dl/v1/TransformResponse.ts';

export interface TransformServiceClient extends grpc.Client {
  /**
   * One long-lived stream per assembler connection. Requests and responses are matched by `id`,
   * not by position; exactly one response per request.
   */
  Transform(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_laion_dl_v1_TransformRequest, _laion_dl_v1_TransformResponse__Output>;
  Transform(options?: grpc.CallOptions): grpc.ClientDuplexStream<_laion_dl_v1_TransformRequest, _laion_dl_v1_TransformResponse__Output>;
  /**
   * One long-lived stream per assembler connection. Requests and responses are matched by `id`,
   * not by position; exactly one response per request.
   */
  transform(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_laion_dl_v1_TransformRequest, _laion_dl_v1_TransformResponse__Output>;
  transform(options?: grpc.CallOptions): grpc.ClientDuplexStream<_laion_dl_v1_TransformRequest, _laion_dl_v1_TransformResponse__Output>;
  
}

export interface TransformServiceHandlers extends grpc.UntypedServiceImplementation {
  /**
   * One long-lived stream per assembler connection. Requests and responses are matched by `id`,
   * not by position; exactly one response per request.
   */
  Transform: grpc.handleBidiStreamingCall<_laion_dl_v1_TransformRequest__Output, _laion_dl_v1_TransformResponse>;
  
}

export interface TransformServiceDefinition extends grpc.ServiceDefinition {
  Transform: MethodDefinition<_laion_dl_v1_TransformRequest, _laion_dl_v1_TransformResponse, _laion_dl_v1_TransformRequest__Output, _laion_dl_v1_TransformResponse__Output>
}
