// Checks deploy/ without a cluster: every kustomization rendered by kubectl, every object validated
// against the Kubernetes (and KEDA, Prometheus Operator) schemas, unknown fields included, the
// references between objects, the image's CMD run on this host with each Deployment's
// environment, and the Grafana dashboard.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { after, before, test } from "node:test";
import { parseAllDocuments } from "yaml";
import { ASSEMBLER_SPECS } from "@laion-dl/assembler/config";
import { envName, type OptionSpec } from "@laion-dl/config";
import { readTransportSecurity } from "@laion-dl/grpc";
import { createMetrics } from "@laion-dl/telemetry";
import { FETCHER_SPECS } from "@laion-dl/fetcher/config";
import { INGEST_SPECS } from "@laion-dl/ingest/config";
import { metricValue, scrapeMetrics, startNatsServer, type NatsServerProcess } from "@laion-dl/testing";
import { TRANSFORMER_SPECS } from "@laion-dl/transformer/config";
import { fieldProblems, type TypedObject } from "../helpers/k8s-strict.ts";
import { freePort, waitForHealth, type ServiceName, type ServiceProcess } from "../helpers/services.ts";

const repoRoot = join(import.meta.dirname, "..", "..");
const k8sRoot = join(repoRoot, "deploy", "k8s");
const dockerfile = readFileSync(join(repoRoot, "deploy", "docker", "Dockerfile"), "utf8");

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  // Rendered YAML of many kinds: the schema test validates it, the others read it field by field.
  spec?: any;
}

/** Where each apiVersion's models live: kubernetes-models for the core API, its sister packages for CRDs. */
const MODELS: Record<string, string> = {
  v1: "kubernetes-models/v1",
  "apps/v1": "kubernetes-models/apps/v1",
  "autoscaling/v2": "kubernetes-models/autoscaling/v2",
  "policy/v1": "kubernetes-models/policy/v1",
  "batch/v1": "kubernetes-models/batch/v1",
  "networking.k8s.io/v1": "kubernetes-models/networking.k8s.io/v1",
  "keda.sh/v1alpha1": "@kubernetes-models/keda/keda.sh/v1alpha1",
  "monitoring.coreos.com/v1": "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1",
};

const SERVICE_SPECS: Record<ServiceName, readonly OptionSpec<string>[]> = {
  ingest: INGEST_SPECS,
  fetcher: FETCHER_SPECS,
  transformer: TRANSFORMER_SPECS,
  assembler: ASSEMBLER_SPECS,
};
/**
 * Variables every service reads outside its option table: the launcher's (bin/laion-dl-service),
 * TLS and token (libs/grpc), NATS credentials (libs/bus), the data root (libs/jobs). Taken from
 * their source, so a name the code does not contain fails the check.
 */
const SHARED_VARIABLES = new Set(
  [
    "bin/laion-dl-service",
    ...["libs/grpc", "libs/bus", "libs/jobs"].flatMap((dir) =>
      readdirSync(join(repoRoot, dir))
        .filter((file) => file.endsWith(".ts") && !file.endsWith("_test.ts"))
        .map((file) => `${dir}/${file}`),
    ),
  ].flatMap((file) => readFileSync(join(repoRoot, file), "utf8").match(/\bLAION_DL_[A-Z0-9_]*[A-Z0-9]\b/g) ?? []),
);

function kustomizations(dir: string): string[] {
  const found = existsSync(join(dir, "kustomization.yaml")) ? [dir] : [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) if (entry.isDirectory()) found.push(...kustomizations(join(dir, entry.name)));
  return found;
}

function render(dir: string): K8sObject[] {
  let text: string;
  try {
    text = execFileSync("kubectl", ["kustomize", dir], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (error) {
    const { code, stderr } = error as { code?: string; stderr?: string };
    if (code === "ENOENT") {
      throw new Error(
        "kubectl is not on PATH: the deploy/k8s checks need it (kubectl >= 1.27, whose kustomize reads `patches:`); install it and run the tests again",
      );
    }
    throw new Error(`kubectl kustomize ${relative(repoRoot, dir)} failed: ${stderr}`);
  }
  return parseAllDocuments(text).map((document) => document.toJS() as K8sObject);
}

const rendered = new Map(kustomizations(k8sRoot).map((dir) => [relative(k8sRoot, dir), render(dir)]));
const base = rendered.get("base")!;

const workloads = (objects: K8sObject[]) => objects.filter((o) => o.kind === "Deployment" || o.kind === "StatefulSet");
const containersOf = (workload: K8sObject): any[] => workload.spec.template.spec.containers;
const matches = (selector: Record<string, string>, labels: Record<string, string> = {}) =>
  Object.entries(selector).every(([key, value]) => labels[key] === value);
const hasPort = (workload: K8sObject, port: number | string) =>
  containersOf(workload).some((container) =>
    (container.ports ?? []).some((p: { name?: string; containerPort: number }) => p.name === port || p.containerPort === port),
  );

test("deploy: every kustomization renders with kubectl kustomize and every object validates against its schema", async () => {
  assert.deepEqual([...rendered.keys()].sort(), ["base", "overlays/keda", "overlays/prometheus", "overlays/secure", "submit", "submit-secure"]);
  for (const [dir, objects] of rendered) {
    assert.ok(objects.length > 0, dir);
    for (const object of objects) {
      const where = `${dir}: ${object.kind}/${object.metadata?.name}`;
      const module = MODELS[object.apiVersion];
      assert.ok(module, `${where}: no schema known for apiVersion ${object.apiVersion}`);
      const Model = ((await import(module)) as Record<string, unknown>)[object.kind] as (new (data: unknown) => { validate(): void }) | undefined;
      assert.ok(Model, `${where}: no schema for kind ${object.kind} in ${object.apiVersion}`);
      assert.doesNotThrow(() => new Model(object).validate(), where);
      if (object.kind !== "Namespace") assert.equal(object.metadata.namespace, "laion-dl", `${where} is in the laion-dl namespace`);
    }
  }
  // The schemas hold; a wrong value still fails, so the check is not vacuous.
  const { Deployment } = await import("kubernetes-models/apps/v1");
  const broken = structuredClone(workloads(base).find((o) => o.metadata.name === "fetcher")!);
  broken.spec.template.spec.containers[0].ports[0].containerPort = "grpc";
  assert.throws(() => new Deployment(broken as never).validate(), /containerPort/);
});

/** Every rendered object with its model, for the unknown-field check. */
const typedObjects = (dir: string, objects: K8sObject[]): TypedObject[] =>
  objects.map((object) => ({ where: `${dir}: ${object.kind}/${object.metadata.name}`, module: MODELS[object.apiVersion]!, kind: object.kind, object }));

test("deploy: no rendered object has a field its schema does not know (a misspelled field fails, named by its path)", async () => {
  assert.deepEqual(fieldProblems([...rendered].flatMap(([dir, objects]) => typedObjects(dir, objects))), []);
  // The schemas' validators above let an unknown field through; this check does not.
  const broken = structuredClone(workloads(base).find((o) => o.metadata.name === "fetcher")!);
  const container = broken.spec.template.spec.containers[0];
  container.livenessProbee = container.livenessProbe;
  delete container.livenessProbe;
  const { Deployment } = await import("kubernetes-models/apps/v1");
  assert.doesNotThrow(() => new Deployment(broken as never).validate(), "kubernetes-models' validation alone accepts the misspelling");
  const problems = fieldProblems(typedObjects("base", [broken]));
  assert.equal(problems.length, 1, problems.join("\n"));
  assert.match(
    problems[0]!,
    /^base: Deployment\/fetcher: spec\.template\.spec\.containers\[0\]\.livenessProbee: .*'"livenessProbee"' does not exist in type 'IContainer'/,
  );
});

test("deploy: Services, probes, autoscalers, budgets and monitors point at what exists", () => {
  for (const [dir, objects] of rendered) {
    const deployments = workloads(objects);
    const named = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);
    for (const service of objects.filter((o) => o.kind === "Service")) {
      const selected = deployments.filter((w) => matches(service.spec.selector, w.spec.template.metadata.labels));
      assert.ok(selected.length > 0, `${dir}: Service ${service.metadata.name} selects no pods`);
      for (const port of service.spec.ports) {
        const target = port.targetPort ?? port.port;
        assert.ok(
          selected.every((w) => hasPort(w, target)),
          `${dir}: Service ${service.metadata.name} port ${port.name} → ${target} is no container port`,
        );
      }
    }
    for (const workload of deployments) {
      for (const container of containersOf(workload)) {
        for (const probe of [container.readinessProbe, container.livenessProbe].filter(Boolean)) {
          const port = probe.grpc?.port ?? probe.tcpSocket?.port ?? probe.httpGet?.port;
          assert.ok(hasPort(workload, port), `${dir}: ${workload.metadata.name}'s probe names port ${port}, which it does not open`);
        }
      }
      const annotations = workload.spec.template.metadata.annotations ?? {};
      if (annotations["prometheus.io/scrape"] === "true") {
        const port = Number(annotations["prometheus.io/port"]);
        assert.ok(hasPort(workload, port), `${dir}: ${workload.metadata.name} is scraped on ${port}, which it does not open`);
        const env = containersOf(workload)[0].env as { name: string; value: string }[];
        assert.equal(env.find((e) => e.name === "LAION_DL_METRICS_PORT")?.value, String(port), `${workload.metadata.name} serves metrics where it is scraped`);
      }
    }
    for (const scaler of objects.filter((o) => o.kind === "HorizontalPodAutoscaler" || o.kind === "ScaledObject")) {
      const target = scaler.spec.scaleTargetRef.name;
      assert.ok(named("Deployment", target), `${dir}: ${scaler.kind} ${scaler.metadata.name} scales ${target}, which is no Deployment`);
      assert.equal(named("Deployment", target)!.spec.replicas, undefined, `${dir}: ${target}'s replicas are left to its autoscaler`);
    }
    for (const budget of objects.filter((o) => o.kind === "PodDisruptionBudget")) {
      assert.ok(
        deployments.some((w) => matches(budget.spec.selector.matchLabels, w.spec.template.metadata.labels)),
        `${dir}: PDB ${budget.metadata.name} selects no pods`,
      );
    }
    for (const monitor of objects.filter((o) => o.kind === "ServiceMonitor")) {
      const apps = (monitor.spec.selector.matchExpressions as { values: string[] }[]).flatMap((expression) => expression.values);
      for (const app of apps) {
        const service = named("Service", app);
        assert.ok(service, `${dir}: ServiceMonitor selects app=${app}, which has no Service`);
        for (const endpoint of monitor.spec.endpoints)
          assert.ok(
            service.spec.ports.some((p: { name: string }) => p.name === endpoint.port),
            `${dir}: Service ${app} has no port ${endpoint.port}`,
          );
      }
    }
    for (const scaled of objects.filter((o) => o.kind === "ScaledObject")) {
      const endpoint = scaled.spec.triggers[0].metadata.natsServerMonitoringEndpoint as string;
      const port = Number(endpoint.split(":")[1]);
      assert.ok(
        named("Service", "nats")!.spec.ports.some((p: { port: number }) => p.port === port),
        `${dir}: KEDA reads NATS on ${port}, which the nats Service does not expose`,
      );
    }
  }
});

const podSpecOf = (object: K8sObject): any => object.spec.template.spec;
const envOf = (container: any): Record<string, string | undefined> =>
  Object.fromEntries((container.env ?? []).map((e: { name: string; value?: string }) => [e.name, e.value]));

test("deploy: every Secret a pod uses is declared or its creation documented, and every file a variable names is mounted", () => {
  for (const [dir, objects] of rendered) {
    // The operator's Secrets: `kubectl … create secret generic NAME` in the kustomization's comments or the README.
    const documented = readFileSync(join(k8sRoot, dir, "kustomization.yaml"), "utf8") + readFileSync(join(repoRoot, "README.md"), "utf8");
    const declared = new Set(objects.filter((o) => o.kind === "Secret").map((o) => o.metadata.name));
    for (const object of objects.filter((o) => ["Deployment", "StatefulSet", "Job"].includes(o.kind))) {
      const pod = podSpecOf(object);
      const where = `${dir}: ${object.kind}/${object.metadata.name}`;
      const secrets = [
        ...(pod.volumes ?? []).flatMap((volume: any) => (volume.secret ? [volume.secret.secretName as string] : [])),
        ...pod.containers.flatMap((container: any) => [
          ...(container.env ?? []).flatMap((e: any) => (e.valueFrom?.secretKeyRef ? [e.valueFrom.secretKeyRef.name as string] : [])),
          ...(container.envFrom ?? []).flatMap((e: any) => (e.secretRef ? [e.secretRef.name as string] : [])),
        ]),
      ];
      for (const secret of secrets) {
        assert.ok(
          declared.has(secret) || new RegExp(`create secret generic ${secret} `).test(documented),
          `${where} uses Secret ${secret}, which ${dir} does not declare and neither it nor the README tells the operator to create`,
        );
      }
      for (const container of pod.containers) {
        const mounts = (container.volumeMounts ?? []) as { name: string; mountPath: string }[];
        const volumes = [...(pod.volumes ?? []), ...(object.spec.volumeClaimTemplates ?? []).map((claim: K8sObject) => claim.metadata)];
        for (const mount of mounts) {
          assert.ok(
            volumes.some((volume: { name: string }) => volume.name === mount.name),
            `${where} mounts volume ${mount.name}, which it does not declare`,
          );
        }
        for (const [name, value] of Object.entries(envOf(container))) {
          if (!/^LAION_DL_.*_(CERT|KEY|CA|CREDS)$/.test(name)) continue;
          assert.ok(value && mounts.some((mount) => value.startsWith(`${mount.mountPath}/`)), `${where}: ${name}=${value} is in no mounted volume`);
        }
      }
    }
  }
});

test("deploy: a gRPC probe never targets a TLS port (kubelet cannot do TLS): with TLS it probes the plaintext health port", () => {
  let probedThroughHealthPort = 0;
  for (const [dir, objects] of rendered) {
    for (const workload of workloads(objects)) {
      for (const container of containersOf(workload)) {
        const env = envOf(container);
        for (const probe of [container.readinessProbe, container.livenessProbe, container.startupProbe].filter((p) => p?.grpc)) {
          const where = `${dir}: ${workload.metadata.name}'s gRPC probe on ${probe.grpc.port}`;
          if (env.LAION_DL_TLS_CERT) {
            assert.equal(String(probe.grpc.port), env.LAION_DL_HEALTH_PORT, `${where}: its gRPC port has TLS, so the probe must use LAION_DL_HEALTH_PORT`);
            probedThroughHealthPort++;
          } else {
            assert.ok([env.LAION_DL_PORT, env.LAION_DL_HEALTH_PORT].includes(String(probe.grpc.port)), `${where} is neither its gRPC nor its health port`);
          }
        }
      }
    }
  }
  assert.equal(probedThroughHealthPort, 4, "overlays/secure probes each of the four services through its health port");
});

test("deploy: the submit Jobs' pods are admitted to ingest by its NetworkPolicy", () => {
  const policy = base.find((o) => o.kind === "NetworkPolicy" && o.metadata.name === "ingest")!;
  const admitted = (labels: Record<string, string>) =>
    policy.spec.ingress.some((rule: { from: { podSelector?: { matchLabels: Record<string, string> } }[] }) =>
      rule.from.some((peer) => peer.podSelector && matches(peer.podSelector.matchLabels, labels)),
    );
  for (const dir of ["submit", "submit-secure"]) {
    const job = rendered.get(dir)!.find((o) => o.kind === "Job")!;
    assert.ok(admitted(job.spec.template.metadata.labels), `${dir}: ${job.metadata.name}'s pods carry no label ingest's NetworkPolicy admits`);
  }
  assert.ok(!admitted({ app: "submit-download" }), "an unlabelled pod is not admitted (the check can fail)");
});

test("deploy: every image is one deploy/docker builds, and every LAION_DL_* variable is one its service reads", () => {
  const built = /SERVICE=([a-z|]+) is required/.exec(dockerfile)?.[1]?.split("|");
  assert.deepEqual(built?.sort(), Object.keys(SERVICE_SPECS).sort(), "the Dockerfile builds one image per service");
  for (const [dir, objects] of rendered) {
    for (const object of objects.filter((o) => ["Deployment", "StatefulSet", "Job"].includes(o.kind))) {
      for (const container of containersOf(object)) {
        if (object.metadata.name === "nats") continue; // NATS' own image
        const service = /^laion-dl\/([a-z]+)$/.exec(container.image)?.[1] as ServiceName | undefined;
        assert.ok(
          service && built?.includes(service),
          `${dir}: ${object.kind}/${object.metadata.name} runs ${container.image}, which deploy/docker does not build`,
        );
        const known = new Set([...SERVICE_SPECS[service].map((spec) => envName(spec.name)), ...SHARED_VARIABLES]);
        for (const { name } of container.env ?? []) {
          if (name.startsWith("LAION_DL_")) assert.ok(known.has(name), `${dir}: ${object.metadata.name} sets ${name}, which ${service} does not read`);
        }
        if (container.command)
          assert.ok(existsSync(join(repoRoot, container.command[0].replace(/^\/app\//, ""))), `${dir}: ${container.command[0]} is not in the image`);
      }
    }
  }
});

// The image's CMD, run here: /app is this checkout, and each Deployment's environment with the
// cluster's addresses swapped for this host's.
let nats: NatsServerProcess;
const started: { child: ReturnType<typeof spawn>; exited: Promise<unknown> }[] = [];
before(async () => {
  nats = await startNatsServer();
});
after(async () => {
  for (const { child } of started) child.kill("SIGKILL");
  await Promise.all(started.map(({ exited }) => exited));
  await nats?.stop();
});

test("deploy: the image's CMD starts each service with its Deployment's environment, serving gRPC and /metrics", async () => {
  const cmd = /^CMD \["sh", "-c", "(.*)"\]$/m.exec(dockerfile)?.[1]?.replaceAll('\\"', '"');
  const imageEnv = /^ENV (.*)$/m.exec(dockerfile)?.[1];
  assert.ok(cmd && imageEnv, "the Dockerfile has an ENV line and a shell-form CMD");
  const envFromImage = Object.fromEntries(imageEnv.split(/\s+/).map((pair) => pair.split("=") as [string, string]));
  const ports: Partial<Record<ServiceName, number>> = {};
  for (const name of ["fetcher", "transformer", "assembler", "ingest"] as const) ports[name] = await freePort();
  // The shared volume (mounted at /data in the pods) is a folder here.
  const dataRoot = await mkdtemp(join(tmpdir(), "laion-dl-deploy-"));
  const local = (value: string) =>
    value
      .replace(/^\/data$/, dataRoot)
      .replace("nats://nats:4222", nats.url)
      .replace(/dns:\/\/\/(fetcher|transformer):\d+/, (_, service: ServiceName) => `127.0.0.1:${ports[service]}`);
  for (const name of ["fetcher", "transformer", "assembler", "ingest"] as const) {
    const deployment = workloads(base).find((w) => w.metadata.name === name)!;
    const env: Record<string, string> = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp" };
    for (const [key, value] of Object.entries(envFromImage)) env[key] = value.replace("${SERVICE}", name);
    for (const { name: key, value } of containersOf(deployment)[0].env) env[key] = local(value);
    const metricsPort = await freePort();
    Object.assign(env, { SERVICE: name, LAION_DL_HOST: "127.0.0.1", LAION_DL_PORT: String(ports[name]), LAION_DL_METRICS_PORT: String(metricsPort) });
    const child = spawn("sh", ["-c", cmd.replaceAll("/app/", `${repoRoot}/`)], { env, stdio: ["ignore", "ignore", "pipe"] });
    const log: Record<string, unknown>[] = [];
    child.stderr!.setEncoding("utf8").on("data", (chunk: string) =>
      chunk
        .split("\n")
        .filter(Boolean)
        .forEach((line) => log.push({ text: line })),
    );
    const exited = new Promise<number | string>((resolve) => child.once("close", (code, signal) => resolve(code ?? signal ?? -1)));
    started.push({ child, exited });
    const service: ServiceProcess = {
      name,
      port: ports[name]!,
      address: `127.0.0.1:${ports[name]}`,
      log,
      exited,
      kill: async () => exited,
      security: readTransportSecurity(env),
    };
    await waitForHealth(service, "SERVING", 60_000);
    const families = await scrapeMetrics(`http://127.0.0.1:${metricsPort}/metrics`);
    assert.ok(metricValue(families, "process_resident_memory_bytes") > 0, `${name} serves /metrics`);
  }
});

test("deploy: the Grafana dashboard queries only metrics laion-dl serves", async () => {
  const dashboard = JSON.parse(readFileSync(join(repoRoot, "deploy", "grafana", "laion-dl.json"), "utf8")) as {
    panels: { title: string; targets: { expr: string }[] }[];
  };
  // Every service's metrics together: the gauges ingest and the fetchers read for themselves included.
  const metrics = await createMetrics();
  metrics.observe("shards_outstanding", () => 0);
  metrics.observe("host_backoffs", () => 0);
  const { text } = await metrics.exposition();
  // Every family declared (with no sample yet too), and a histogram's _bucket, _sum and _count series.
  const served = new Set(
    [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].flatMap(([, name, type]) =>
      type === "histogram" ? ["_bucket", "_sum", "_count"].map((suffix) => name! + suffix) : [name!],
    ),
  );
  const titles = dashboard.panels.map((panel) => panel.title.toLowerCase());
  for (const topic of ["throughput", "success rate", "failures by kind", "shards", "in flight", "latency quantiles per stage"]) {
    assert.ok(
      titles.some((title) => title.includes(topic)),
      `the dashboard has a panel on ${topic}`,
    );
  }
  for (const panel of dashboard.panels) {
    for (const { expr } of panel.targets) {
      const names = [...expr.matchAll(/\b((?:laion_dl|process)_[a-z_]+)\b/g)].map((match) => match[1]!);
      assert.ok(names.length > 0, `${panel.title}: ${expr}`);
      for (const name of names) assert.ok(served.has(name), `${panel.title}: ${name} is not a metric laion-dl serves`);
    }
  }
});
