import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { test } from "node:test";
import { createLogger } from "./mod.ts";

function capture(): { stream: Writable; lines(): Record<string, unknown>[] } {
  let text = "";
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return {
    stream,
    lines: () =>
      text
        .trim()
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

test("logger: one JSON object per line with service, instance, event, level and the fields", () => {
  const out = capture();
  const log = createLogger("assembler", { instance: "assembler-7", destination: out.stream });
  log.info("shard_done", { jobId: "job-1", shardId: 3, count: 10 });
  log.error("shard_failed", { jobId: "job-1", shardId: 4, error: "EACCES" });
  const [done, failed] = out.lines();
  assert.deepEqual(
    { ...done, time: undefined },
    { time: undefined, level: "info", service: "assembler", instance: "assembler-7", event: "shard_done", jobId: "job-1", shardId: 3, count: 10 },
  );
  assert.ok(!Number.isNaN(Date.parse(String(done!.time))), "ISO time");
  assert.equal(failed!.level, "error");
  assert.equal(failed!.error, "EACCES");
});

test("logger: the level filters lines, a child carries the job and shard ids on each of them", () => {
  const out = capture();
  const log = createLogger("ingest", { level: "warn", destination: out.stream });
  log.info("hidden");
  log.warn("shown");
  const job = log.child({ jobId: "job-2" });
  job.error("job_ingest_failed");
  log.setLevel("debug");
  job.debug("now_shown", { shardId: 0 });
  assert.deepEqual(
    out.lines().map((line) => [line.event, line.jobId, line.shardId]),
    [
      ["shown", undefined, undefined],
      ["job_ingest_failed", "job-2", undefined],
      ["now_shown", "job-2", 0],
    ],
  );
});

test("logger: LAION_DL_LOG_LEVEL sets the level; a name it does not know leaves info", () => {
  const saved = process.env.LAION_DL_LOG_LEVEL;
  try {
    for (const [value, shown] of [
      ["error", ["e"]],
      ["debug", ["d", "i", "e"]],
      ["loud", ["i", "e"]],
    ] as const) {
      process.env.LAION_DL_LOG_LEVEL = value;
      const out = capture();
      const log = createLogger("fetcher", { destination: out.stream });
      log.debug("d");
      log.info("i");
      log.error("e");
      assert.deepEqual(
        out.lines().map((line) => line.event),
        shown,
        value,
      );
    }
  } finally {
    if (saved === undefined) delete process.env.LAION_DL_LOG_LEVEL;
    else process.env.LAION_DL_LOG_LEVEL = saved;
  }
});
