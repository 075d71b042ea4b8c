import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { load, type Options, type PackageDefinition } from "@grpc/proto-loader";
import type { HealthDefinition } from "./generated/grpc/health/v1/Health.ts";
import type { AssemblerServiceDefinition } from "./generated/laion_dl/v1/AssemblerService.ts";
import type { FetchServiceDefinition } from "./generated/laion_dl/v1/FetchService.ts";
import type { IngestServiceDefinition } from "./generated/laion_dl/v1/IngestService.ts";
import type { TransformServiceDefinition } from "./generated/laion_dl/v1/TransformService.ts";

/** The repository's proto/ folder: the only source of the contracts (ships beside libs/ in images). */
export const PROTO_ROOT = fileURLToPath(new URL("../../proto/", import.meta.url));
/** Our package, relative to PROTO_ROOT; every .proto in it is a contract. */
export const CONTRACTS_DIR = "laion_dl/v1";
/** Our copy of the standard health.proto (Apache-2.0), loaded with the contracts so reflection can describe it. */
export const HEALTH_PROTO = "grpc/health/v1/health.proto";

/**
 * How messages look in JavaScript; generate-types.ts passes the same choices to the type generator.
 * - keepCase: field names stay as written in the .proto (`image_size`, `retry_after_seconds`), the
 *   img2dataset names. One name everywhere, and the descriptors served by reflection keep the
 *   real field names (protobufjs would otherwise describe `imageSize`).
 * - longs: Number. uint64 ids are sample keys (shard * N + row), far below 2^53.
 * - bytes: Buffer. enums: their names as strings.
 * - defaults: a received message has every scalar field (0, "", false); a message field that was
 *   not sent is null; a proto3 `optional` field that was not sent is undefined (absent ≠ 0).
 * - oneofs: a received message names the set member of each oneof: `result: "body" | "failure"`.
 */
export const LOADER_OPTIONS: Readonly<Options> = Object.freeze({
  keepCase: true,
  longs: Number,
  enums: String,
  bytes: Buffer,
  defaults: true,
  oneofs: true,
  includeDirs: [PROTO_ROOT],
});

export const SERVICE_NAMES = Object.freeze({
  fetch: "laion_dl.v1.FetchService",
  transform: "laion_dl.v1.TransformService",
  ingest: "laion_dl.v1.IngestService",
  assembler: "laion_dl.v1.AssemblerService",
  health: "grpc.health.v1.Health",
} as const);

export interface Contracts {
  /** Every laion_dl.v1 file plus grpc.health.v1, as one package definition (for reflection). */
  readonly packageDefinition: PackageDefinition;
  readonly fetch: FetchServiceDefinition;
  readonly transform: TransformServiceDefinition;
  readonly ingest: IngestServiceDefinition;
  readonly assembler: AssemblerServiceDefinition;
  readonly health: HealthDefinition;
}

/** Every contract file, relative to PROTO_ROOT, in a stable order. */
export async function contractFiles(): Promise<string[]> {
  const names = await readdir(join(PROTO_ROOT, CONTRACTS_DIR));
  return [
    ...names
      .filter((name) => name.endsWith(".proto"))
      .sort()
      .map((name) => `${CONTRACTS_DIR}/${name}`),
    HEALTH_PROTO,
  ];
}

let loading: Promise<Contracts> | undefined;

/** Loads proto/laion_dl/v1/*.proto and the health proto once per process. */
export function loadContracts(): Promise<Contracts> {
  loading ??= loadAll().catch((error: unknown) => {
    loading = undefined;
    throw error;
  });
  return loading;
}

async function loadAll(): Promise<Contracts> {
  const packageDefinition = await load(await contractFiles(), { ...LOADER_OPTIONS });
  const service = <T>(name: string): T => {
    const definition = packageDefinition[name];
    if (!definition || !isServiceDefinition(definition)) throw new Error(`Expected service ${name} in ${PROTO_ROOT} but it is missing`);
    return definition as T;
  };
  return Object.freeze({
    packageDefinition,
    fetch: service<FetchServiceDefinition>(SERVICE_NAMES.fetch),
    transform: service<TransformServiceDefinition>(SERVICE_NAMES.transform),
    ingest: service<IngestServiceDefinition>(SERVICE_NAMES.ingest),
    assembler: service<AssemblerServiceDefinition>(SERVICE_NAMES.assembler),
    health: service<HealthDefinition>(SERVICE_NAMES.health),
  });
}

function isServiceDefinition(definition: object): boolean {
  // Message and enum definitions carry a `format`; a service definition is a map of methods.
  return !("format" in definition);
}
