import assert from "node:assert/strict";
import { test } from "node:test";
import descriptor from "protobufjs/ext/descriptor/index.js";
import { loadContracts } from "./contracts.ts";
import { mapEntryName, repairFileDescriptor, withValidDescriptors } from "./descriptors.ts";

interface Field {
  name: string;
  typeName?: string;
  oneofIndex?: number;
  proto3Optional?: boolean;
}
interface Message {
  name: string;
  field?: Field[];
  nestedType?: Message[];
  oneofDecl?: { name: string }[];
}
interface File {
  name: string;
  package?: string;
  messageType?: Message[];
}

const decode = (bytes: Uint8Array): File => descriptor.FileDescriptorProto.toObject(descriptor.FileDescriptorProto.decode(bytes)) as File;
const encode = (file: File): Uint8Array => descriptor.FileDescriptorProto.encode(descriptor.FileDescriptorProto.fromObject(file)).finish();

for (const [field, entry] of [
  ["statuses", "StatusesEntry"],
  ["the_map", "TheMapEntry"],
  ["fooBar", "FooBarEntry"],
  ["a_1b", "A1bEntry"],
] as const) {
  test(`grpc: the map entry for field ${field} is ${entry}`, () => assert.equal(mapEntryName(field), entry));
}

test("grpc: the served descriptors name health's map entry StatusesEntry and keep proto3 optional", async () => {
  const { packageDefinition } = await loadContracts();
  const repaired = withValidDescriptors(packageDefinition);
  const files = (repaired["laion_dl.v1.Failure"] as unknown as { fileDescriptorProtos: Uint8Array[] }).fileDescriptorProtos.map(decode);
  const message = (pkg: string, name: string): Message | undefined => files.find((f) => f.package === pkg)?.messageType?.find((m) => m.name === name);

  const list = message("grpc.health.v1", "HealthListResponse");
  assert.deepEqual(
    list?.nestedType?.map((m) => m.name),
    ["StatusesEntry"],
  );
  assert.equal(list?.field?.[0]?.typeName, "StatusesEntry");

  const failure = message("laion_dl.v1", "Failure");
  assert.deepEqual(
    failure?.field?.find((f) => f.name === "retry_after_seconds"),
    { name: "retry_after_seconds", number: 3, label: 1, type: 1, oneofIndex: 0, proto3Optional: true, options: {} },
  );
  assert.deepEqual(failure?.oneofDecl, [{ name: "_retry_after_seconds" }]);

  // The definitions used to serve and call are left alone.
  assert.notEqual(repaired["laion_dl.v1.Failure"], packageDefinition["laion_dl.v1.Failure"]);
  assert.equal(repaired["laion_dl.v1.FetchService"], packageDefinition["laion_dl.v1.FetchService"]);
});

test("grpc: synthetic oneofs move after the real ones", () => {
  const file: File = {
    name: "x.proto",
    package: "x",
    messageType: [
      {
        name: "M",
        field: [{ name: "a", oneofIndex: 0 }, { name: "b", oneofIndex: 1 }, { name: "c", oneofIndex: 1 }, { name: "d" }],
        oneofDecl: [{ name: "_a" }, { name: "r" }],
      },
    ],
  };
  const [m] = decode(repairFileDescriptor(encode(file))).messageType ?? [];
  assert.deepEqual(m?.oneofDecl, [{ name: "r" }, { name: "_a" }]);
  assert.deepEqual(m?.field, [{ name: "a", oneofIndex: 1, proto3Optional: true }, { name: "b", oneofIndex: 0 }, { name: "c", oneofIndex: 0 }, { name: "d" }]);
});
