// The fetch and transform stages over gRPC, both sides: the assembler's remote SampleStages and the
// FetchService / TransformService handlers the fetcher and transformer serve.
export { createRemoteStages, type RemoteStages, type RemoteStagesOptions } from "./remote-stages.ts";
export { RemoteStageError } from "./errors.ts";
export { createFetchService, type FetchService, type FetchServiceOptions } from "./fetch-service.ts";
export { createTransformService, type TransformService, type TransformServiceOptions } from "./transform-service.ts";
export { fetchOptionsFromProto, fetchOptionsToProto, transformOptionsFromProto, transformOptionsToProto } from "./stage-options.ts";
export { createRequestStreamServer, type RequestStreamServer, type RequestStreamServerOptions } from "./request-stream-server.ts";
export { runStageService, type StageServiceConfig, type StageServiceOptions } from "./stage-service.ts";
