import assert from "node:assert/strict";
import { test } from "node:test";
import { createByteBudget } from "./byte-budget.ts";

test("byte budget: grants at once within the limit and makes a grower past it wait until bytes are given back", async () => {
  const budget = createByteBudget(100);
  const first = budget.open();
  assert.equal(first.grow(60), undefined);
  first.finish(); // a complete body waiting for its consumer: giving it back will make room
  const second = budget.open();
  const wait = second.grow(50);
  assert.ok(wait, "past the limit the grower waits");
  let granted = false;
  void wait.then(() => (granted = true));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(granted, false);
  first.close();
  await wait;
  assert.equal(budget.used, 50);
  assert.equal(budget.peak, 60);
  second.close();
  second.close(); // idempotent
  assert.equal(budget.used, 0);
});

test("byte budget: when only partial bodies hold it, one download at a time goes past the cap", async () => {
  const budget = createByteBudget(100);
  const partial = budget.open();
  assert.equal(partial.grow(90), undefined); // received, not finished: nobody else would free this
  const over = budget.open();
  assert.equal(over.grow(50), undefined, "no finished body holds the budget, so one grower goes on");
  assert.equal(over.grow(50), undefined, "and keeps going until its body is complete");
  const third = budget.open();
  const wait = third.grow(10);
  assert.ok(wait, "a second download past the cap waits");
  over.close(); // failed (too large, timeout…): the next waiter may go past the cap in its turn
  await wait;
  assert.equal(budget.used, 100);
});

test("byte budget: waiters are served in order and a waiter whose signal aborts leaves the queue with the signal's reason", async () => {
  const budget = createByteBudget(100);
  const held = budget.open();
  void held.grow(100); // room for it: granted at once
  held.finish();
  const timedOut = budget.open();
  const abort = new AbortController();
  const first = timedOut.grow(80, abort.signal)!;
  const patient = budget.open();
  const second = patient.grow(80)!;
  abort.abort(new DOMException("deadline", "TimeoutError"));
  await assert.rejects(first, { name: "TimeoutError" });
  timedOut.close();
  held.close();
  await second;
  assert.equal(budget.used, 80);
});

test("byte budget: a limit that is not positive is refused", () => {
  assert.throws(() => createByteBudget(0), RangeError);
});
