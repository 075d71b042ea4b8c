import assert from "node:assert/strict";
import { test } from "node:test";
import { createLimiter } from "./limiter.ts";

test("limiter: admits up to the limit, in arrival order, and follows a changed limit", async () => {
  const limiter = createLimiter(2);
  const admitted: number[] = [];
  const waiters = [1, 2, 3, 4, 5].map((n) => limiter.acquire().then(() => admitted.push(n)));
  await Promise.resolve();
  await Promise.resolve();
  assert.deepEqual(admitted, [1, 2]);
  limiter.setLimit(1);
  limiter.release();
  await Promise.resolve();
  assert.deepEqual(admitted, [1, 2], "shrunk below the holders: nobody new until one leaves");
  limiter.setLimit(4);
  await Promise.all(waiters);
  assert.deepEqual(admitted, [1, 2, 3, 4, 5]);
  assert.equal(limiter.active, 4);
});
