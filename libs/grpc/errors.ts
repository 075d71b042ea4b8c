import {
  Metadata,
  status,
  type ServerDuplexStream,
  type ServerWritableStream,
  type sendUnaryData,
  type ServerUnaryCall,
  type StatusObject,
} from "@grpc/grpc-js";
import type { Failure } from "./generated/laion_dl/v1/Failure.ts";

/** An error that names its gRPC status: throw it from a handler to choose the code the caller sees. */
export class GrpcStatusError extends Error {
  override readonly name = "GrpcStatusError";
  constructor(
    readonly code: status,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** What a handler replies with when it fails: a gRPC status, never OK. */
export type ServiceErrorStatus = Pick<StatusObject, "code" | "details"> & Partial<Pick<StatusObject, "metadata">>;

/**
 * Status codes for typed errors by their `name`, checked after GrpcStatusError. Callers can add
 * their own with toServiceError's second argument.
 */
export const STATUS_BY_ERROR_NAME: Readonly<Record<string, status>> = Object.freeze({
  OptionError: status.INVALID_ARGUMENT, // @laion-dl/config: a bad download option
  AbortError: status.CANCELLED,
  TimeoutError: status.DEADLINE_EXCEEDED,
});

/** Node system error codes worth a specific status (a missing manifest is NOT_FOUND). */
const STATUS_BY_SYSTEM_CODE: Readonly<Record<string, status>> = Object.freeze({
  ENOENT: status.NOT_FOUND,
  EACCES: status.PERMISSION_DENIED,
  EPERM: status.PERMISSION_DENIED,
});

/**
 * Maps whatever a handler threw to the status sent to the caller, at the edge:
 * GrpcStatusError keeps its code; an error from a downstream gRPC call keeps its code; typed errors
 * map by name (STATUS_BY_ERROR_NAME, then `byName`); fs errors by code; anything else is INTERNAL.
 * The message becomes the status details.
 */
export function toServiceError(error: unknown, byName: Readonly<Record<string, status>> = {}): ServiceErrorStatus {
  const err = (typeof error === "object" && error !== null ? error : {}) as { name?: unknown; code?: unknown; details?: unknown; message?: unknown };
  const message = typeof err.message === "string" && err.message !== "" ? err.message : String(error);
  if (error instanceof GrpcStatusError) return { code: nonOk(error.code), details: message };
  if (typeof err.code === "number" && typeof err.details === "string" && err.code in status) {
    return { code: nonOk(err.code), details: err.details };
  }
  const name = typeof err.name === "string" ? err.name : "";
  const named = byName[name] ?? STATUS_BY_ERROR_NAME[name];
  if (named !== undefined) return { code: nonOk(named), details: message };
  const system = typeof err.code === "string" ? STATUS_BY_SYSTEM_CODE[err.code] : undefined;
  if (system !== undefined) return { code: system, details: message };
  return { code: status.INTERNAL, details: name && name !== "Error" ? `${name}: ${message}` : message };
}

function nonOk(code: status): status {
  return code === status.OK ? status.UNKNOWN : code;
}

/**
 * A unary handler from an async function: replies exactly once, with its result or with
 * toServiceError(whatever it threw).
 */
export function unaryHandler<Request, Response>(
  handler: (request: Request, call: ServerUnaryCall<Request, Response>) => Promise<Response> | Response,
  byName?: Readonly<Record<string, status>>,
): (call: ServerUnaryCall<Request, Response>, callback: sendUnaryData<Response>) => void {
  return (call, callback) => {
    let replied = false;
    const reply = (error: ServiceErrorStatus | null, response?: Response): void => {
      if (replied) return;
      replied = true;
      callback(error, response);
    };
    Promise.resolve()
      .then(() => handler(call.request, call))
      .then(
        (response) => reply(null, response),
        (error: unknown) => reply(toServiceError(error, byName)),
      )
      .catch((error: unknown) => reply(toServiceError(error, byName)));
  };
}

const ended = new WeakSet<object>();

/**
 * Ends a server stream with the error's status (toServiceError). Returns false, and sends
 * nothing, when the call already ended, was cancelled or was failed before: never two statuses.
 */
export function failStream(
  call: ServerWritableStream<unknown, unknown> | ServerDuplexStream<unknown, unknown>,
  error: unknown,
  byName?: Readonly<Record<string, status>>,
): boolean {
  if (ended.has(call) || call.cancelled || call.writableEnded) return false;
  ended.add(call);
  const { code, details, metadata } = toServiceError(error, byName);
  call.emit("error", { code, details, metadata: metadata ?? new Metadata() });
  return true;
}

/**
 * The in-band Failure for a row that could not be served (FetchFailure, TransformFailure or any
 * error): its message, `retryable` when the error says so, `retry_after_seconds` from `retryAfter`.
 */
export function toFailure(error: unknown): Failure {
  const err = (typeof error === "object" && error !== null ? error : {}) as { message?: unknown; retryable?: unknown; retryAfter?: unknown };
  const failure: Failure = {
    message: typeof err.message === "string" ? err.message : String(error),
    retryable: err.retryable === true,
  };
  if (typeof err.retryAfter === "number" && Number.isFinite(err.retryAfter)) failure.retry_after_seconds = err.retryAfter;
  return failure;
}
