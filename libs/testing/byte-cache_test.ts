import assert from "node:assert/strict";
import { test } from "node:test";
import { createByteCache } from "./byte-cache.ts";

function counter() {
  const calls: string[] = [];
  const produce = (key: string, bytes: number) => () => {
    calls.push(key);
    return Promise.resolve(Buffer.alloc(bytes));
  };
  return { calls, produce };
}

test("byte-cache: evicts the least recently used entries to stay within the byte bound", async () => {
  const cache = createByteCache(100);
  const { calls, produce } = counter();
  await cache.get("a", produce("a", 40));
  await cache.get("b", produce("b", 40));
  await cache.get("a", produce("a", 40)); // a is now the most recent
  await cache.get("c", produce("c", 40)); // 120 > 100: b goes
  assert.equal(cache.size, 80);
  await cache.get("a", produce("a", 40));
  await cache.get("b", produce("b", 40));
  assert.deepEqual(calls, ["a", "b", "c", "b"]);
});

test("byte-cache: concurrent gets share one production", async () => {
  const cache = createByteCache(100);
  const { calls, produce } = counter();
  const results = await Promise.all([cache.get("k", produce("k", 10)), cache.get("k", produce("k", 10))]);
  assert.equal(results[0], results[1]);
  assert.deepEqual(calls, ["k"]);
});

test("byte-cache: does not keep failures or values larger than the bound", async () => {
  const cache = createByteCache(10);
  await assert.rejects(
    cache.get("bad", () => Promise.reject(new Error("boom"))),
    /boom/,
  );
  const { calls, produce } = counter();
  await cache.get("bad", produce("bad", 5));
  await cache.get("big", produce("big", 11));
  await cache.get("big", produce("big", 11));
  assert.deepEqual(calls, ["bad", "big", "big"]);
  assert.equal(cache.size, 5);
});

test("byte-cache: rejects a bound that is not a non-negative integer", () => {
  assert.throws(() => createByteCache(-1), /^RangeError: Expected non-negative integer for cacheBytes but received -1$/);
});
