import { OptionError, parseOptions, stageSpecs, type Stage, type StageOptions } from "@laion-dl/config";
import type { FetchOptions, FetchOptions__Output, TransformOptions, TransformOptions__Output } from "@laion-dl/grpc";
import { TransformFailure } from "@laion-dl/transform";

/**
 * A job's options for one stage, as sent in each request: every field named as its download
 * option, taken from the option table, so a new option reaches the stage without a conversion
 * to write. "No limit" (Infinity) and "none" (null) are left absent.
 */
function toProto<S extends Stage>(stage: S, options: StageOptions<S>): Record<string, unknown> {
  const proto: Record<string, unknown> = {};
  for (const { name } of stageSpecs(stage)) {
    const value = (options as Record<string, unknown>)[name];
    if (value !== Infinity && value !== null && value !== undefined) proto[name] = value;
  }
  return proto;
}

/**
 * The options of a received request, validated against the table's bounds and choices as a
 * command line is; absent optional fields take the table's default. Throws an OptionError
 * naming `options.NAME`.
 */
function fromProto<S extends Stage>(stage: S, proto: object | null | undefined): StageOptions<S> {
  if (!proto) throw new OptionError(`Expected ${stage} options for options but received none`);
  const raw: Record<string, unknown> = {};
  for (const { name } of stageSpecs(stage)) raw[name] = (proto as Record<string, unknown>)[name] ?? undefined;
  return parseOptions(stageSpecs(stage), raw, (name) => `options.${name}`) as unknown as StageOptions<S>;
}

export function fetchOptionsToProto(options: StageOptions<"fetch">): FetchOptions {
  return toProto("fetch", options) as FetchOptions;
}

export function fetchOptionsFromProto(proto: FetchOptions__Output | null | undefined): StageOptions<"fetch"> {
  return fromProto("fetch", proto);
}

export function transformOptionsToProto(options: StageOptions<"transform">): TransformOptions {
  return toProto("transform", options) as TransformOptions;
}

/** Options no transform can honour are the request's result: a TransformFailure ("Expected X for Y but received Z"). */
export function transformOptionsFromProto(proto: TransformOptions__Output | null | undefined): StageOptions<"transform"> {
  try {
    return fromProto("transform", proto);
  } catch (error) {
    if (error instanceof OptionError) throw new TransformFailure(error.message);
    throw error;
  }
}
