import sharp from "sharp";
import type { DownloadOptions } from "@laion-dl/config";
import { createByteBudget, createFetcher, fetcherOptionsOf, type Fetcher } from "@laion-dl/fetch";
import { keyLayout, outputFolder } from "@laion-dl/shard";
import { timed, type StageMeters } from "@laion-dl/telemetry";
import { transformImage, type TransformOptions } from "@laion-dl/transform";
import { assemblyOptionsOf, transformOptionsOf } from "./job-adapters.ts";
import { adjustWindow, createLimiter, type Limiter, type StageLoad } from "./limiter.ts";
import type { SampleStages } from "./sample-processor.ts";
import type { AssemblyContext } from "./shard-assembler.ts";

/** How often the body window follows the image workers' queue. */
const WINDOW_CONTROL_MS = 100;
/**
 * Bodies queued per image worker past which the window shrinks; under one per worker it grows.
 * Slow answers arrive in bursts: shrinking as soon as one body per worker waited (and growing only
 * once a worker sat idle) kept the window at 33-55 on the WAN profile, with the workers 2-3 of 4
 * busy and 130-220 downloads waiting for the window. A queue of a few bodies per worker costs a
 * few MB and keeps them fed.
 */
export const QUEUED_PER_WORKER = 4;
/** A download slower than this many typical ones leaves the body window (bounds below). */
const PATIENCE_FACTOR = 4;
const MIN_PATIENCE_MS = 250;
const MAX_PATIENCE_MS = 2_000;
/** Weight of the newest download in the typical duration. */
const EWMA_WEIGHT = 0.05;

export interface EmbeddedStageLimits {
  /** Images decoded/resized at once (processes_count). */
  readonly imageWorkers: number;
  /** Downloads in flight at most (thread_count); the body window never opens wider. */
  readonly maxDownloads: number;
}

export interface EmbeddedStages {
  readonly stages: SampleStages;
  /** Fetched bodies not yet handed back (downloading, queued for a worker or being resized). */
  readonly bodyWindow: Limiter;
  readonly imageWork: Limiter;
  close(): void;
}

/**
 * The embedded mode's stages, with downloads and image work as separate budgets. Image workers
 * are `imageWorkers` slots. Between the two, a window of bodies on their way to a worker (being
 * downloaded, queued or resized) follows the workers: it shrinks while several images per worker
 * queue (more bodies would only wait in memory) and grows while fewer than one per worker do
 * (bodyWindowLoad). A download that takes several times longer than a typical one leaves the
 * window: it is probably stuck on a slow or hung server and holds little memory, so it must not keep
 * a worker from its next image. Such downloads are still bounded by the caller's samples-in-flight
 * limit (thread_count) and by the fetcher's byte budget.
 */
export function createEmbeddedStages(fetcher: Fetcher, transformOptions: TransformOptions, limits: EmbeddedStageLimits, meters?: StageMeters): EmbeddedStages {
  const imageWork = createLimiter(limits.imageWorkers);
  const bounds = { min: 4 * limits.imageWorkers, max: limits.maxDownloads, step: limits.imageWorkers };
  // The window opens from its floor: opened at thread_count, the first 256 bodies all arrived
  // before the first images were done, and the memory glibc kept from that burst set the run's RSS.
  const bodyWindow = createLimiter(Math.min(bounds.min, bounds.max));
  const control = setInterval(() => {
    adjustWindow(bodyWindow, bodyWindowLoad(imageWork.waiting, imageWork.limit), bounds);
  }, WINDOW_CONTROL_MS).unref();
  let typicalMs = MIN_PATIENCE_MS / PATIENCE_FACTOR;

  const stages: SampleStages = {
    async fetch(url) {
      await bodyWindow.acquire();
      let inWindow = true;
      const leaveWindow = () => {
        if (!inWindow) return;
        inWindow = false;
        bodyWindow.release();
      };
      const patienceMs = Math.min(MAX_PATIENCE_MS, Math.max(MIN_PATIENCE_MS, PATIENCE_FACTOR * typicalMs));
      const patience = setTimeout(leaveWindow, patienceMs);
      const started = performance.now();
      try {
        const download = await timed(
          meters?.fetches,
          () => fetcher.fetch(url),
          (done) => done.body.length,
        );
        return {
          ...download,
          release: () => {
            leaveWindow();
            download.release?.();
          },
        };
      } catch (error) {
        leaveWindow();
        throw error;
      } finally {
        clearTimeout(patience);
        // Failures count too: a refused connection or a 404 is a round trip like any other.
        typicalMs += EWMA_WEIGHT * (Math.min(performance.now() - started, MAX_PATIENCE_MS) - typicalMs);
      }
    },
    async transform(image) {
      await imageWork.acquire();
      try {
        return await timed(meters?.transforms, () => transformImage(image, transformOptions));
      } finally {
        imageWork.release();
      }
    },
  };
  return { stages, bodyWindow, imageWork, close: () => clearInterval(control) };
}

/** What the image workers say about the body window, from the bodies queued for them. */
export function bodyWindowLoad(queued: number, workers: number): StageLoad {
  return queued >= QUEUED_PER_WORKER * workers ? "saturated" : queued < workers ? "relaxed" : "steady";
}

/** Everything a shard needs to be assembled in this process, stages called directly (and timed by `meters`). */
export function embeddedContext(options: DownloadOptions, meters?: StageMeters): { context: AssemblyContext; close(): Promise<void> } {
  // One image per libvips thread and many images at once beats many threads per image.
  sharp.cache(false);
  sharp.concurrency(1);
  const fetcher = createFetcher({
    ...fetcherOptionsOf(options),
    maxConnectionsPerOrigin: options.thread_count,
    bodyBudget: createByteBudget(options.max_inflight_bytes),
  });
  const embedded = createEmbeddedStages(
    fetcher,
    transformOptionsOf(options),
    {
      imageWorkers: options.processes_count,
      maxDownloads: options.thread_count,
    },
    meters,
  );
  const folder = outputFolder(options.output_folder);
  const context: AssemblyContext = {
    outputDir: folder.root,
    journalDir: folder.journalDir,
    recordDir: folder.recordDir,
    layout: keyLayout(options.number_sample_per_shard, options.oom_shard_count),
    ...assemblyOptionsOf(options),
    stages: embedded.stages,
    // Samples in flight, stuck downloads included; the stages keep the bodies' own window.
    window: createLimiter(options.thread_count),
  };
  return {
    context,
    close: () => {
      embedded.close();
      return fetcher.close();
    },
  };
}
