import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { DownloadOutcome as _laion_dl_v1_DownloadOutcome, DownloadOutcome__Output as _laion_dl_v1_DownloadOutcome__Output } from './laion_dl/v1/DownloadOutcome.ts';
import type { EncodedImage as _laion_dl_v1_EncodedImage, EncodedImage__Output as _laion_dl_v1_EncodedImage__Output } from './laion_dl/v1/EncodedImage.ts';
import type { Failure as _laion_dl_v1_Failure, Failure__Output as _laion_dl_v1_Failure__Output } from './laion_dl/v1/Failure.ts';
import type { FetchOptions as _laion_dl_v1_FetchOptions, FetchOptions__Output as _laion_dl_v1_FetchOptions__Output } from './laion_dl/v1/FetchOptions.ts';
import type { FetchRequest as _laion_dl_v1_FetchRequest, FetchRequest__Output as _laion_dl_v1_FetchRequest__Output } from './laion_dl/v1/FetchRequest.ts';
import type { FetchResponse as _laion_dl_v1_FetchResponse, FetchResponse__Output as _laion_dl_v1_FetchResponse__Output } from './laion_dl/v1/FetchResponse.ts';
import type { FetchServiceClient as _laion_dl_v1_FetchServiceClient, FetchServiceDefinition as _laion_dl_v1_FetchServiceDefinition } from './laion_dl/v1/FetchService.ts';
import type { TransformOptions as _laion_dl_v1_TransformOptions, TransformOptions__Output as _laion_dl_v1_TransformOptions__Output } from './laion_dl/v1/TransformOptions.ts';
import type { TransformRequest as _laion_dl_v1_TransformRequest, TransformRequest__Output as _laion_dl_v1_TransformRequest__Output } from './laion_dl/v1/TransformRequest.ts';
import type { TransformResponse as _laion_dl_v1_TransformResponse, TransformResponse__Output as _laion_dl_v1_TransformResponse__Output } from './laion_dl/v1/TransformResponse.ts';
import type { TransformServiceClient as _laion_dl_v1_TransformServiceClient, TransformServiceDefinition as _laion_dl_v1_TransformServiceDefinition } from './laion_dl/v1/TransformService.ts';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  laion_dl: {
    v1: {
      DownloadOutcome: MessageTypeDefinition<_laion_dl_v1_DownloadOutcome, _laion_dl_v1_DownloadOutcome__Output>
      EncodedImage: MessageTypeDefinition<_laion_dl_v1_EncodedImage, _laion_dl_v1_EncodedImage__Output>
      Failure: MessageTypeDefinition<_laion_dl_v1_Failure, _laion_dl_v1_Failure__Output>
      FetchOptions: MessageTypeDefinition<_laion_dl_v1_FetchOptions, _laion_dl_v1_FetchOptions__Output>
      FetchRequest: MessageTypeDefinition<_laion_dl_v1_FetchRequest, _laion_dl_v1_FetchRequest__Output>
      FetchResponse: MessageTypeDefinition<_laion_dl_v1_FetchResponse, _laion_dl_v1_FetchResponse__Output>
      FetchService: SubtypeConstructor<typeof grpc.Client, _laion_dl_v1_FetchServiceClient> & { service: _laion_dl_v1_FetchServiceDefinition }
      TransformOptions: MessageTypeDefinition<_laion_dl_v1_TransformOptions, _laion_dl_v1_TransformOptions__Output>
      TransformRequest: MessageTypeDefinition<_laion_dl_v1_TransformRequest, _laion_dl_v1_TransformRequest__Output>
      TransformResponse: MessageTypeDefinition<_laion_dl_v1_TransformResponse, _laion_dl_v1_TransformResponse__Output>
      TransformService: SubtypeConstructor<typeof grpc.Client, _laion_dl_v1_TransformServiceClient> & { service: _laion_dl_v1_TransformServiceDefinition }
    }
  }
}

