// What the figures were measured on.
import { readFileSync } from "node:fs";
import { availableParallelism, cpus, totalmem } from "node:os";
import sharp from "sharp";

export interface Machine {
  cpu: string;
  cores: number;
  memoryGb: number;
  kernel: string;
  node: string;
  sharp: string;
  libvips: string;
  date: string;
}

export function describeMachine(): Machine {
  let kernel = "";
  try {
    kernel = readFileSync("/proc/sys/kernel/osrelease", "utf8").trim();
  } catch {
    // not Linux: left blank
  }
  return {
    cpu: cpus()[0]?.model.trim() ?? "unknown",
    cores: availableParallelism(),
    memoryGb: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    kernel,
    node: process.version,
    sharp: sharp.versions.sharp ?? "unknown",
    libvips: sharp.versions.vips,
    date: new Date().toISOString(),
  };
}
