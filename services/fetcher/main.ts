import { createFetcher, createFetcherPool, createHostBackoff, fetcherOptionsOf } from "@laion-dl/fetch";
import { loadContracts, readTransportSecurity } from "@laion-dl/grpc";
import { createFetchService, runStageService } from "@laion-dl/stages";
import { createLogger, exitOnBootFailure, startTelemetry } from "@laion-dl/telemetry";
import { readFetcherConfig } from "./config.ts";

/** A peer's hold is capped like our own Retry-After handling: no signal parks a host for longer. */
const MAX_HOLD_MS = 60_000;

const log = createLogger("fetcher");
try {
  const { config, policy } = readFetcherConfig();
  const contracts = await loadContracts();
  let publishBackoff: ((host: string, untilEpochMs: number) => void) | undefined;
  const hostBackoff = createHostBackoff();
  // One fetcher per job's HTTP options; the host back-offs are shared by all of them.
  const fetchers = createFetcherPool((options) =>
    createFetcher({ ...fetcherOptionsOf(options), hostBackoff, onThrottled: (host, untilEpochMs) => publishBackoff?.(host, untilEpochMs) }),
  );
  const telemetry = await startTelemetry(config, log);
  telemetry.metrics?.observe("host_backoffs", () => hostBackoff.inForce());
  const service = createFetchService({ fetchers, policy, concurrency: config.concurrency, meter: telemetry.metrics?.fetches });
  await runStageService({
    name: "fetcher",
    definition: contracts.fetch,
    service,
    config,
    log,
    security: readTransportSecurity(),
    telemetry,
    async withBus(bus) {
      // One fetcher's 429/503 slows every fetcher for that host.
      publishBackoff = (host, untilEpochMs) => {
        try {
          bus.signals.publishBackoff({ host, untilEpochMs, source: config.instance });
        } catch (error) {
          log.error("backoff_publish_failed", { host, error: String(error) });
        }
      };
      const unsubscribe = bus.signals.onBackoff((signal) => {
        if (signal.source === config.instance) return;
        hostBackoff.hold(signal.host, Math.min(signal.untilEpochMs, Date.now() + MAX_HOLD_MS));
      });
      // Published before SERVING, so that ingest refuses a job beyond it before any work starts.
      const withdrawPolicy = await bus.policies.advertise(`fetcher ${config.instance}`, policy, (error) =>
        log.error("policy_publish_failed", { error: String(error) }),
      );
      return async () => {
        unsubscribe();
        await withdrawPolicy().catch((error: unknown) => log.error("policy_withdraw_failed", { error: String(error) }));
        await fetchers.close();
      };
    },
  });
} catch (error) {
  exitOnBootFailure(log)(error);
}
