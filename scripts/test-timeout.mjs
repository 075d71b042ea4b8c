// Loaded into every test file's process by scripts/run-tests.mjs (Node 20's --test-timeout bounds a
// whole file, not a test): a test still running after LAION_DL_TEST_TIMEOUT_MS fails its file at once,
// naming the test, instead of leaving the run hanging on a stuck poll. The process exits, so the exit
// hooks of libs/testing stop the servers the test started.
import { afterEach, beforeEach } from "node:test";

const limitMs = Number(process.env.LAION_DL_TEST_TIMEOUT_MS ?? 240_000);
const timers = new Map();

beforeEach((t) => {
  const timer = setTimeout(() => {
    process.stderr.write(`\n✖ test "${t.name}" timed out after ${limitMs} ms (LAION_DL_TEST_TIMEOUT_MS)\n`);
    process.exit(1);
  }, limitMs);
  timer.unref();
  timers.set(t, timer);
});

afterEach((t) => {
  clearTimeout(timers.get(t));
  timers.delete(t);
});
