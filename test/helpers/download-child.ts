// Runs one embedded download in its own process and reports its summary and peak RSS (VmHWM),
// so a test can bound the memory of a download without counting its own fixture server.
import { readFileSync } from "node:fs";
import { parseDownloadOptions } from "@laion-dl/config";
import { runDownload } from "@laion-dl/pipeline";

const summary = await runDownload(parseDownloadOptions(JSON.parse(process.argv[2]!) as Record<string, unknown>));
const hwm = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync("/proc/self/status", "utf8"));
process.stdout.write(JSON.stringify({ summary, peakRssBytes: Number(hwm?.[1]) * 1024 }));
