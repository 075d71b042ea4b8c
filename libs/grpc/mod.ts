// Contracts (proto/laion_dl/v1) and the server/client kit every service's main uses.
export { loadContracts, SERVICE_NAMES, type Contracts } from "./contracts.ts";
export { startGrpcServer, type GrpcServer, type GrpcServerOptions, type ServiceRegistration } from "./server.ts";
export { countCalls } from "./call-counter.ts";
export { followReadiness, type HealthReporter } from "./health.ts";
export { createClient, isChannelReady, ROUND_ROBIN_SERVICE_CONFIG, waitForReady, type ClientOptions } from "./client.ts";
export { clientTarget, GrpcTargetError } from "./client-target.ts";
export { PLAINTEXT, readTransportSecurity, TransportSecurityError, type TransportSecurity } from "./transport-security.ts";
export { DEFAULT_MAX_MESSAGE_BYTES, FLOW_CONTROL_WINDOW_BYTES } from "./channel-options.ts";
export { failStream, GrpcStatusError, STATUS_BY_ERROR_NAME, toFailure, toServiceError, unaryHandler, type ServiceErrorStatus } from "./errors.ts";
export { Metadata, status as GrpcStatus } from "@grpc/grpc-js";
export type { ClientDuplexStream, ServerDuplexStream, ServerUnaryCall, ServiceError, sendUnaryData } from "@grpc/grpc-js";

// Message, client and handler types generated from the protos (generate-types.ts). `X` is what
// you send (every field optional), `X__Output` what you receive (defaults filled in).
export type { Failure, Failure__Output } from "./generated/laion_dl/v1/Failure.ts";
export type { FetchRequest, FetchRequest__Output } from "./generated/laion_dl/v1/FetchRequest.ts";
export type { FetchOptions, FetchOptions__Output } from "./generated/laion_dl/v1/FetchOptions.ts";
export type { FetchResponse, FetchResponse__Output } from "./generated/laion_dl/v1/FetchResponse.ts";
export type { FetchServiceClient, FetchServiceHandlers } from "./generated/laion_dl/v1/FetchService.ts";
export type { TransformRequest, TransformRequest__Output } from "./generated/laion_dl/v1/TransformRequest.ts";
export type { TransformOptions, TransformOptions__Output } from "./generated/laion_dl/v1/TransformOptions.ts";
export type { TransformResponse, TransformResponse__Output } from "./generated/laion_dl/v1/TransformResponse.ts";
export type { EncodedImage, EncodedImage__Output } from "./generated/laion_dl/v1/EncodedImage.ts";
export type { DownloadOutcome, DownloadOutcome__Output } from "./generated/laion_dl/v1/DownloadOutcome.ts";
export type { TransformServiceClient, TransformServiceHandlers } from "./generated/laion_dl/v1/TransformService.ts";
export type { SubmitJobRequest, SubmitJobRequest__Output } from "./generated/laion_dl/v1/SubmitJobRequest.ts";
export type { SubmitJobResponse, SubmitJobResponse__Output } from "./generated/laion_dl/v1/SubmitJobResponse.ts";
export type { GetJobRequest, GetJobRequest__Output } from "./generated/laion_dl/v1/GetJobRequest.ts";
export type { JobStatus, JobStatus__Output } from "./generated/laion_dl/v1/JobStatus.ts";
export type { IngestServiceClient, IngestServiceHandlers } from "./generated/laion_dl/v1/IngestService.ts";
export type { GetStatusRequest, GetStatusRequest__Output } from "./generated/laion_dl/v1/GetStatusRequest.ts";
export type { AssemblerStatus, AssemblerStatus__Output } from "./generated/laion_dl/v1/AssemblerStatus.ts";
export type { ShardProgress, ShardProgress__Output } from "./generated/laion_dl/v1/ShardProgress.ts";
export type { DrainRequest, DrainRequest__Output } from "./generated/laion_dl/v1/DrainRequest.ts";
export type { DrainResponse, DrainResponse__Output } from "./generated/laion_dl/v1/DrainResponse.ts";
export type { AssemblerServiceClient, AssemblerServiceHandlers } from "./generated/laion_dl/v1/AssemblerService.ts";
export type { HealthClient } from "./generated/grpc/health/v1/Health.ts";
export type { HealthCheckResponse__Output } from "./generated/grpc/health/v1/HealthCheckResponse.ts";
