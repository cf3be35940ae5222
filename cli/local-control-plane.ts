// The control plane on this machine: the same Worker `wrangler deploy` ships, bundled with esbuild
// and run on workerd through Miniflare's API (no `wrangler dev` proxy in the request path), served
// over TLS with the installation's own certificate, Durable Object state persisted on disk.
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Json, Miniflare } from "miniflare";
import { bundleWorker } from "./bundle.ts";
import { readDevVarsFile } from "./dev-vars.ts";
import { directSocketBindings } from "./direct-sockets.ts";
import { adminUserName, httpsUrl, renderKubeconfig } from "./kubeconfig.ts";
import { ADMIN_TOKEN_HASH_VAR, ensureAdminCredential } from "./local-admin.ts";
import { assertPortFree, isWildcardHost, localAddresses, PortInUseError, pickFreePort, waitFor200 } from "./net.ts";
import { ensurePki, serverNames } from "./pki.ts";
import { ensurePrivateDir, writeFileAtomic } from "./secure-fs.ts";
import { readWorkerConfig } from "./wrangler-config.ts";

export const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url));
export const DEFAULT_PORT = 8787;
export const DEFAULT_INGRESS_PORT = 8080;
/** Locally, LoadBalancer Services get `<name>-<namespace>.kflare.localhost`: curl resolves *.localhost to loopback. */
export const LOCAL_INGRESS_DOMAIN = "kflare.localhost";
export const CLUSTER_NAME = "kflare";
const READY_DEADLINE_MS = 30_000;
const CRASH_REPORT = /Workers runtime crashed unexpectedly/;
const CRASH_REPORT_GRACE_MS = 1_000;
/**
 * V8 flags for every local workerd this process starts. Locally the Worker and every Durable Object
 * share one isolate on workerd's one thread, so each garbage collection stalls all of them (on
 * Cloudflare each object has its own isolate). A small young generation keeps scavenges short
 * (profiled: 12-50 ms at V8's default). 2 MiB rather than 1: under 64 concurrent creates, 1 MiB
 * was too small for what requests in flight hold, so scavenges copied and promoted it over and
 * over (1.65 s of GC in a bench:api creates run, pauses up to 16 ms; 0.93 s and 4.9 ms at 2 MiB).
 * Miniflare takes workerd's V8 flags from this variable only; a value the user set wins. See
 * docs/decisions.md.
 */
export const LOCAL_V8_FLAGS = "--max-semi-space-size=2";

export function useLocalV8Flags(): void {
  process.env.MINIFLARE_WORKERD_V8_FLAGS ??= LOCAL_V8_FLAGS;
}
const WORKERD_BACKTRACE = /^uncaught exception; exception = workerd\//;

export interface StartOptions {
  /** Holds pki/, state/ (Durable Objects) and kubeconfig. */
  dataDir: string;
  /** 0 picks a free port. Default 8787. */
  port?: number;
  /** Address to bind; also added to the certificate and used in the kubeconfig. Default 127.0.0.1. */
  host?: string;
  log?: (line: string) => void;
  /** Overrides wrangler.toml [vars] and .dev.vars (tests shorten timeouts with it). */
  vars?: Record<string, string>;
  /** Where ADMIN_TOKEN_HASH is kept. Default `<dataDir>/.dev.vars`; `npm start` uses the repo's. */
  devVarsPath?: string;
  /** Default: the repository's wrangler.toml. */
  wranglerConfigPath?: string;
  /** Serve Ingress traffic (plain HTTP) on this port of the bind address; 0 picks a free one. Default: none. */
  ingressPort?: number;
}

export interface ControlPlane {
  /** What clients dial, e.g. https://127.0.0.1:8787 */
  url: string;
  kubeconfigPath: string;
  caPem: string;
  adminToken: string;
  /** Where Ingress traffic is served (http://host:port), when an ingress port was asked for. */
  ingressUrl?: string;
  /** The domain LoadBalancer Services get hostnames under. */
  ingressDomain: string;
  /** Milliseconds from the call to the first 200 on /healthz. */
  readyMs: number;
  stop(): Promise<void>;
}

export async function startControlPlane(opts: StartOptions): Promise<ControlPlane> {
  const started = performance.now();
  const log = opts.log ?? (() => {});
  const dataDir = resolve(opts.dataDir);
  const bindHost = opts.host ?? "127.0.0.1";
  const requestedPort = opts.port ?? DEFAULT_PORT;
  // A wildcard bind serves every interface: certify them all, and let local clients dial loopback.
  const clientHost = isWildcardHost(bindHost) ? "127.0.0.1" : bindHost;
  const certHosts = isWildcardHost(bindHost) ? localAddresses() : [bindHost];
  const kubeconfigPath = join(dataDir, "kubeconfig");
  const devVarsPath = resolve(opts.devVarsPath ?? join(dataDir, ".dev.vars"));
  const configPath = opts.wranglerConfigPath ?? join(REPO_ROOT, "wrangler.toml");

  await ensurePrivateDir(dataDir);
  await assertPortFree(bindHost, requestedPort);
  const port = requestedPort === 0 ? await pickFreePort(bindHost) : requestedPort;
  if (opts.ingressPort !== undefined) await assertPortFree(bindHost, opts.ingressPort, "INGRESS_PORT");
  const ingressPort =
    opts.ingressPort === undefined
      ? undefined
      : opts.ingressPort === 0
        ? await pickFreePort(bindHost)
        : opts.ingressPort;
  // esbuild bundles in its own process, so start it first and let it run while this thread loads
  // miniflare (~0.6 s, the largest step once wrangler.toml's parse is cached) and checks the PKI.
  const config = await readWorkerConfig(configPath, join(dataDir, "wrangler-config.json"));
  const bundling = bundleWorker(config.main, config.rules);
  const [miniflare, pki, admin, bundle] = await Promise.all([
    import("miniflare"),
    ensurePki(join(dataDir, "pki"), certHosts),
    ensureAdminCredential(kubeconfigPath, adminUserName(CLUSTER_NAME), devVarsPath),
    bundling,
  ]);
  if (pki.created.ca) log(`Created this installation's CA: ${pki.files.caCert}`);
  if (pki.created.server) log(`Issued a server certificate for ${serverNames(certHosts).join(", ")}`);
  if (admin.issued !== undefined) log(`Issued a new admin token (${admin.issued}); its hash is in ${devVarsPath}`);
  // Written out only so that the file:line in a Worker stack trace can be opened.
  const bundlePath = join(dataDir, "worker.mjs");
  await writeFileAtomic(bundlePath, bundle.code, 0o644);
  const { vars: devVars } = await readDevVarsFile(devVarsPath);
  // Same precedence as wrangler dev ([vars] < .dev.vars), then the caller's overrides; the admin hash
  // always comes from the credential just checked.
  const bindings: Record<string, Json> = {
    ...config.vars,
    ...devVars,
    ...opts.vars,
    [ADMIN_TOKEN_HASH_VAR]: admin.hash,
  };
  // No domain configured: a local one, so LoadBalancer Services get hostnames that resolve here.
  if (!bindings.INGRESS_DOMAIN) bindings.INGRESS_DOMAIN = LOCAL_INGRESS_DOMAIN;
  const ingressDomain = String(bindings.INGRESS_DOMAIN);

  // The whole chain: agents joining with a CA pin find the CA in the handshake.
  const chain = `${pki.certPem.trim()}\n${pki.caPem.trim()}\n`;
  let stopping: Promise<void> | undefined;
  const inspectorPort = process.env.KFLARE_INSPECTOR_PORT ? Number(process.env.KFLARE_INSPECTOR_PORT) : undefined;
  const workerdStarted = performance.now();
  useLocalV8Flags();
  const mf: Miniflare = new miniflare.Miniflare(
    miniflare.convertV4MiniflareOptions({
      // Miniflare's own socket (its entry worker, which Miniflare itself needs) stays on loopback at
      // a port of its choosing; clients use the direct sockets below.
      host: "127.0.0.1",
      port: 0,
      https: true,
      httpsKey: pki.keyPem,
      httpsCert: chain,
      // Fully offline: no request for Cloudflare's cf object, no telemetry, no dev registry.
      cf: false,
      telemetry: { enabled: false },
      // One log line per request would drown the terminal (and cost throughput in benchmarks).
      logRequests: false,
      // Without it workerd keeps uncaught exceptions to itself: a bare 500 and no stack.
      verbose: true,
      // For profiling (bench/lib/profile.ts): the V8 inspector on loopback, only when asked for.
      ...(inspectorPort === undefined ? {} : { inspectorPort }),
      resourcePersistencePath: join(dataDir, "state"),
      log: new (class extends miniflare.Log {
        protected override log(message: string): void {
          // Ctrl-C in a terminal signals the whole process group, workerd included, and Miniflare
          // may report that as a crash just before our stop() runs: hold such a report briefly and
          // drop it if a stop follows.
          if (!CRASH_REPORT.test(message)) {
            log(message);
            return;
          }
          setTimeout(() => {
            if (stopping === undefined) log(message);
          }, CRASH_REPORT_GRACE_MS).unref();
        }
      })(miniflare.LogLevel.WARN),
      handleStructuredLogs: ({ level, message }) => {
        // workerd follows each uncaught exception's JS stack with its own C++ backtrace: noise here.
        if (!WORKERD_BACKTRACE.test(message)) log(`[worker ${level}] ${message}`);
      },
      name: config.name,
      compatibilityDate: config.compatibilityDate,
      compatibilityFlags: config.compatibilityFlags,
      modules: [{ type: "ESModule", path: bundlePath, contents: bundle.code }],
      // Module names are relative to this root and may not climb out of it.
      modulesRoot: dataDir,
      // The API's socket, HTTPS, straight into the Worker (cli/direct-sockets.ts). Ingress traffic
      // gets its own plain-HTTP socket straight into the Worker's IngressEntrypoint, so local
      // Ingress hosts never reach the API (and the API's address never reaches Ingress).
      unsafeBindings: directSocketBindings([
        { name: "api", host: bindHost, port, tls: { privateKey: pki.keyPem, certificateChain: chain } },
        ...(ingressPort === undefined
          ? []
          : [{ name: "ingress", host: bindHost, port: ingressPort, entrypoint: "IngressEntrypoint" }]),
      ]),
      bindings,
      durableObjects: Object.fromEntries(
        config.durableObjects.map((d) => [d.name, { className: d.className, useSQLite: d.sqlite }]),
      ),
    }),
  );

  const stop = (): Promise<void> => {
    stopping ??= mf.dispose();
    return stopping;
  };

  try {
    await mf.ready;
    const url = httpsUrl(clientHost, port);
    await writeFileAtomic(
      kubeconfigPath,
      renderKubeconfig({ cluster: CLUSTER_NAME, server: url, token: admin.token, caPem: pki.caPem }),
      0o600,
    );
    await waitFor200(`${url}/healthz`, pki.caPem, READY_DEADLINE_MS);
    const readyMs = performance.now() - started;
    log(
      `Ready at ${url} in ${fmtMs(readyMs)} to the first 200 on /healthz ` +
        `(bundle ${Math.round(bundle.code.length / 1024)} KiB; workerd up and answering in ${fmtMs(performance.now() - workerdStarted)})`,
    );
    const ingressUrl =
      ingressPort === undefined ? undefined : httpsUrl(clientHost, ingressPort).replace(/^https:/, "http:");
    return {
      url,
      kubeconfigPath,
      caPem: pki.caPem,
      adminToken: admin.token,
      readyMs,
      stop,
      ingressDomain,
      ...(ingressUrl === undefined ? {} : { ingressUrl }),
    };
  } catch (err) {
    await stop().catch(() => {});
    // Lost the race with another process for the port after our check: same plain message.
    if (/address already in use|EADDRINUSE/i.test(String(err))) throw new PortInUseError(bindHost, port);
    throw err;
  }
}

export function fmtMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}
