import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startNatsServer, TRICKY_CAPTIONS, type NatsServerProcess } from "@laion-dl/testing";
import { connectBus, type Bus } from "./mod.ts";

let server: NatsServerProcess;
let bus: Bus;
before(async () => {
  server = await startNatsServer();
  bus = await connectBus({ servers: server.url, name: "inputs-test", streamPrefix: "INPUTS" });
});
after(async () => {
  await bus.close();
  await server.stop();
});

/** A full shard's rows with ~300-byte captions full of tabs, newlines, quotes and emoji. */
function shardRows(shardId: number) {
  return Array.from({ length: 10_000 }, (_, i) => {
    const tricky = TRICKY_CAPTIONS[i % TRICKY_CAPTIONS.length] ?? "";
    return {
      url: `http://images.example/${shardId}/${i}.jpg`,
      caption: `${tricky}\t🦜 row ${i}\n${"x".repeat(300)}`.slice(0, 300),
      width: 640 + (i % 7),
      extra: i % 3 === 0 ? null : { license: "cc-by", score: i / 10_000 },
    };
  });
}

test("bus: a shard's 10 000 input rows round-trip through the object store", async () => {
  const rows = shardRows(42);
  assert.ok(Buffer.byteLength(JSON.stringify(rows)) > 1024 * 1024);
  await bus.inputs.put("job-1", 42, rows);
  assert.deepEqual(await bus.inputs.get("job-1", 42), rows);
});

test("bus: putting a shard's inputs again replaces them", async () => {
  await bus.inputs.put("job-2", 0, shardRows(0));
  const fewer = [{ url: "http://images.example/only.jpg", caption: "one row\twith a tab" }];
  await bus.inputs.put("job-2", 0, fewer);
  assert.deepEqual(await bus.inputs.get("job-2", 0), fewer);
});

test("bus: deleted inputs are gone and deleting twice is fine", async () => {
  await bus.inputs.put("job-3", 7, [{ url: "http://images.example/a.jpg", caption: "a" }]);
  await bus.inputs.delete("job-3", 7);
  await assert.rejects(bus.inputs.get("job-3", 7), { name: "BusError", message: /no inputs stored for shard job-3\.7/ });
  await bus.inputs.delete("job-3", 7);
});
