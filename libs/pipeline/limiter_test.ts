import assert from "node:assert/strict";
import { test } from "node:test";
import { adjustWindow, createLimiter } from "./limiter.ts";

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

test("adjustWindow: a quarter smaller while saturated, down to min; `step` larger while relaxed, up to max", () => {
  const window = createLimiter(64);
  const bounds = { min: 16, max: 64, step: 4 };
  const limits: number[] = [];
  for (let i = 0; i < 6; i++) {
    adjustWindow(window, "saturated", bounds);
    limits.push(window.limit);
  }
  assert.deepEqual(limits, [48, 36, 27, 20, 16, 16]);
  adjustWindow(window, "steady", bounds);
  assert.equal(window.limit, 16);
  for (let i = 0; i < 20; i++) adjustWindow(window, "relaxed", bounds);
  assert.equal(window.limit, 64);
  const small = createLimiter(4);
  adjustWindow(small, "saturated", { min: 16, max: 4, step: 1 });
  assert.equal(small.limit, 4, "a floor above the ceiling gives way to the ceiling");
});
