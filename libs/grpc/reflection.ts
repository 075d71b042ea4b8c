import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { load, type PackageDefinition } from "@grpc/proto-loader";
import { ReflectionService } from "@grpc/reflection";
import type { Server } from "@grpc/grpc-js";
import { LOADER_OPTIONS, SERVICE_NAMES } from "./contracts.ts";
import { withValidDescriptors } from "./descriptors.ts";

export const REFLECTION_SERVICE_NAMES = ["grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection"] as const;

let reflectionProtos: Promise<PackageDefinition> | undefined;

/** @grpc/reflection's own protos, so that the reflection service lists and describes itself too. */
function loadReflectionProtos(): Promise<PackageDefinition> {
  const require = createRequire(import.meta.url);
  const protoDir = join(dirname(require.resolve("@grpc/reflection")), "../proto");
  reflectionProtos ??= load(["grpc/reflection/v1/reflection.proto", "grpc/reflection/v1alpha/reflection.proto"], {
    ...LOADER_OPTIONS,
    includeDirs: [protoDir],
  });
  return reflectionProtos;
}

/**
 * Adds grpc.reflection.v1 and v1alpha to the server, describing `serviceNames`, grpc.health.v1.Health
 * and the reflection services themselves. `contracts` must contain the descriptors of every named
 * service (loadContracts' packageDefinition holds laion_dl.v1 and grpc.health.v1).
 */
export async function addReflection(server: Server, contracts: PackageDefinition, serviceNames: readonly string[]): Promise<void> {
  const definition = withValidDescriptors(contracts, await loadReflectionProtos());
  const services = [...new Set([...serviceNames, SERVICE_NAMES.health, ...REFLECTION_SERVICE_NAMES])];
  // @grpc/reflection is typed against its own copy of @grpc/proto-loader (0.7); the shape is the same.
  new ReflectionService(definition as ConstructorParameters<typeof ReflectionService>[0], { services }).addToServer(server);
}
