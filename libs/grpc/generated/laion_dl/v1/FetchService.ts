// Original file: ../../proto/laion_dl/v1/fetch.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { FetchRequest as _laion_dl_v1_FetchRequest, FetchRequest__Output as _laion_dl_v1_FetchRequest__Output } from '../../laion_dl/v1/FetchRequest.ts';
import type { FetchResponse as _laion_dl_v1_FetchResponse, FetchResponse__Output as _laion_dl_v1_FetchResponse__Output } from '../../laion_dl/v1/FetchResponse.ts';

export interface FetchServiceClient extends grpc.Client {
  /**
   * One long-lived stream per assembler connection. Requests and responses are matched by `id`,
   * not by position: responses are sent as downloads finish, in any order. Exactly one response
   * per request. Each request carries its job's HTTP options; the fetcher applies them within its
   * policy (its configuration: the most a job may ask for), and refuses a request beyond it.
   */
  Fetch(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_laion_dl_v1_FetchRequest, _laion_dl_v1_FetchResponse__Output>;
  Fetch(options?: grpc.CallOptions): grpc.ClientDuplexStream<_laion_dl_v1_FetchRequest, _laion_dl_v1_FetchResponse__Output>;
  /**
   * One long-lived stream per assembler connection. Requests and responses are matched by `id`,
   * not by position: responses are sent as downloads finish, in any order. Exactly one response
   * per request. Each request carries its job's HTTP options; the fetcher applies them within its
   * policy (its configuration: the most a job may ask for), and refuses a request beyond it.
   */
  fetch(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_laion_dl_v1_FetchRequest, _laion_dl_v1_FetchResponse__Output>;
  fetch(options?: grpc.CallOptions): grpc.ClientDuplexStream<_laion_dl_v1_FetchRequest, _laion_dl_v1_FetchResponse__Output>;
  
}

export interface FetchServiceHandlers extends grpc.UntypedServiceImplementation {
  /**
   * One long-lived stream per assembler connection. Requests and responses are matched by `id`,
   * not by position: responses are sent as downloads finish, in any order. Exactly one response
   * per request. Each request carries its job's HTTP options; the fetcher applies them within its
   * policy (its configuration: the most a job may ask for), and refuses a request beyond it.
   */
  Fetch: grpc.handleBidiStreamingCall<_laion_dl_v1_FetchRequest__Output, _laion_dl_v1_FetchResponse>;
  
}

export interface FetchServiceDefinition extends grpc.ServiceDefinition {
  Fetch: MethodDefinition<_laion_dl_v1_FetchRequest, _laion_dl_v1_FetchResponse, _laion_dl_v1_FetchRequest__Output, _laion_dl_v1_FetchResponse__Output>
}
