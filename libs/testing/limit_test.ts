import assert from "node:assert/strict";
import { test } from "node:test";
import { setImmediate as nextTurn } from "node:timers/promises";
import { createLimiter } from "./limit.ts";

test("limit: runs at most the given number of tasks at once, in arrival order", async () => {
  const limit = createLimiter(2);
  let running = 0,
    peak = 0;
  const started: number[] = [];
  const results = await Promise.all(
    Array.from({ length: 6 }, (_, i) =>
      limit(async () => {
        started.push(i);
        peak = Math.max(peak, ++running);
        await nextTurn();
        running--;
        return i * 10;
      }),
    ),
  );
  assert.deepEqual(results, [0, 10, 20, 30, 40, 50]);
  assert.deepEqual(started, [0, 1, 2, 3, 4, 5]);
  assert.equal(peak, 2);
});

test("limit: a failing task frees its slot", async () => {
  const limit = createLimiter(1);
  await assert.rejects(
    limit(() => Promise.reject(new Error("boom"))),
    /boom/,
  );
  assert.equal(await limit(() => Promise.resolve("next")), "next");
});
