import assert from "node:assert/strict";
import type { LookupAddress } from "node:dns";
import { test } from "node:test";
import { createDnsLookup } from "./dns-cache.ts";
import { FetchFailure } from "./errors.ts";

function resolve(lookup: ReturnType<typeof createDnsLookup>, host: string, all: boolean) {
  return new Promise<{ error: Error | null; address: string | LookupAddress[] }>((done) => lookup(host, { all }, (error, address) => done({ error, address })));
}

test("dns: answers come in both callback shapes, and a refused address fails the whole name", async () => {
  const open = createDnsLookup();
  assert.deepEqual(await resolve(open, "localhost", false), { error: null, address: "127.0.0.1" });
  const { address } = await resolve(open, "localhost", true);
  assert.ok(Array.isArray(address) && address.some((a) => a.address === "127.0.0.1"));

  const guarded = createDnsLookup({ refuseAddress: (ip) => ip.startsWith("127.") });
  const { error } = await resolve(guarded, "localhost", true);
  assert.ok(error instanceof FetchFailure);
  assert.equal(error.message, "blocked private address");
  assert.match(String((await resolve(open, "no-such-host.invalid", false)).error), /ENOTFOUND/);
});
