import type { PackageDefinition } from "@grpc/proto-loader";
import descriptor from "protobufjs/ext/descriptor/index.js";

// The parts of descriptor.proto touched here, as plain objects (toObject without defaults, so an
// unset oneof_index is absent rather than 0).
interface FieldProto {
  name?: string;
  typeName?: string;
  oneofIndex?: number;
  proto3Optional?: boolean;
}
interface MessageProto {
  name?: string;
  field?: FieldProto[];
  nestedType?: MessageProto[];
  oneofDecl?: { name?: string }[];
  options?: { mapEntry?: boolean };
}
interface FileProto {
  messageType?: MessageProto[];
}

/**
 * Makes the file descriptors that proto-loader attaches to a package definition valid for
 * strict readers (protobuf-go: grpcurl, buf curl), before they are served by reflection.
 * protobufjs' Root#toDescriptor gets two things wrong:
 * - a map field's entry message is named `Statuses` instead of `StatusesEntry`. protobuf-go
 *   rejects the whole file ("invalid map entry"), so clients list the service but cannot resolve
 *   any of its methods: grpc.health.v1's HealthListResponse has such a map.
 * - a proto3 `optional` field loses its proto3_optional flag (written under the wrong key), so its
 *   synthetic oneof looks like a real one; descriptor.proto also wants synthetic oneofs last.
 * Returns a package definition whose entries carry the repaired descriptors; the definitions used
 * to serve and call the services are left alone.
 */
export function withValidDescriptors(...definitions: PackageDefinition[]): PackageDefinition {
  const repaired = new Map<unknown, Buffer[]>();
  const result: PackageDefinition = {};
  for (const definition of definitions) {
    for (const [name, value] of Object.entries(definition)) {
      const files: unknown = (value as { fileDescriptorProtos?: unknown }).fileDescriptorProtos;
      if (!Array.isArray(files)) {
        result[name] = value;
        continue;
      }
      let fixed = repaired.get(files);
      if (!fixed) {
        fixed = files.map((bytes: Uint8Array) => repairFileDescriptor(bytes));
        repaired.set(files, fixed);
      }
      result[name] = { ...value, fileDescriptorProtos: fixed } as PackageDefinition[string];
    }
  }
  return result;
}

/** Repairs one encoded FileDescriptorProto (see withValidDescriptors). */
export function repairFileDescriptor(bytes: Uint8Array): Buffer {
  const file = descriptor.FileDescriptorProto.toObject(descriptor.FileDescriptorProto.decode(bytes)) as FileProto;
  for (const message of file.messageType ?? []) repairMessage(message);
  return Buffer.from(descriptor.FileDescriptorProto.encode(descriptor.FileDescriptorProto.fromObject(file)).finish());
}

function repairMessage(message: MessageProto): void {
  for (const nested of message.nestedType ?? []) repairMessage(nested);
  nameMapEntries(message);
  markSyntheticOneofs(message);
}

function nameMapEntries(message: MessageProto): void {
  for (const entry of message.nestedType ?? []) {
    if (!entry.options?.mapEntry || !entry.name) continue;
    const oldName = entry.name;
    const field = message.field?.find((f) => f.typeName === oldName || f.typeName?.endsWith(`.${oldName}`));
    if (!field?.name || !field.typeName) continue;
    const newName = mapEntryName(field.name);
    entry.name = newName;
    field.typeName = field.typeName.slice(0, field.typeName.length - oldName.length) + newName;
  }
}

/** protoc's rule: `statuses` → `StatusesEntry`, `the_map` → `TheMapEntry`. */
export function mapEntryName(fieldName: string): string {
  return fieldName.replace(/(?:^|_)([a-z]?)/g, (_, c: string) => c.toUpperCase()) + "Entry";
}

function markSyntheticOneofs(message: MessageProto): void {
  const oneofs = message.oneofDecl ?? [];
  const fields = message.field ?? [];
  const synthetic = oneofs.map((oneof, index) => {
    const members = fields.filter((f) => f.oneofIndex === index);
    const only = members.length === 1 ? members[0] : undefined;
    if (!only || oneof.name !== `_${only.name}`) return false;
    only.proto3Optional = true;
    return true;
  });
  // Real oneofs first, synthetic ones after them, each group in declaration order.
  const order = [...oneofs.keys()].sort((a, b) => Number(synthetic[a]) - Number(synthetic[b]) || a - b);
  const newIndex = new Map(order.map((oldIndex, index) => [oldIndex, index]));
  message.oneofDecl = order.map((oldIndex) => oneofs[oldIndex] ?? {});
  for (const field of fields) if (field.oneofIndex !== undefined) field.oneofIndex = newIndex.get(field.oneofIndex) ?? field.oneofIndex;
}
