// `npm start`: the control plane on this machine, offline, on https://127.0.0.1:8787.
// A thin wrapper around startControlPlane: flags and environment, messages, and a clean Ctrl-C.
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { type LocalAgent, startLocalAgent } from "./local-agent.ts";
import {
  CLUSTER_NAME,
  type ControlPlane,
  DEFAULT_INGRESS_PORT,
  DEFAULT_PORT,
  REPO_ROOT,
  startControlPlane,
} from "./local-control-plane.ts";
import { PortInUseError } from "./net.ts";

const USAGE = `Usage: npm start [-- options]
  --port <n>        port to serve on (env PORT; default ${DEFAULT_PORT}; 0 picks a free one)
  --ingress-port <n>  plain-HTTP port for Ingress traffic, e.g. curl -H 'Host: web.example' http://127.0.0.1:${DEFAULT_INGRESS_PORT}/
                    (env INGRESS_PORT; default ${DEFAULT_INGRESS_PORT}; 0 picks a free one)
  --host <addr>     address to bind, e.g. a LAN address agents on other machines can reach (env HOST;
                    default 127.0.0.1); it is added to the server certificate and the kubeconfig
  --data-dir <dir>  where the CA, state and kubeconfig live (env KFLARE_DATA_DIR; default .kflare);
                    a non-default one keeps its ADMIN_TOKEN_HASH in <dir>/.dev.vars
  --config <file>   the Worker's wrangler configuration (default: wrangler.toml in the repository)
  --no-agent        start no local node agent (by default one joins this machine as a node)
  -h, --help        show this help`;

interface Settings {
  port: number;
  ingressPort: number;
  host: string | undefined;
  dataDir: string;
  devVarsPath: string;
  wranglerConfigPath: string | undefined;
  /** Join and run a local agent (npm start -- --no-agent turns it off). */
  agent: boolean;
}

class UsageError extends Error {}

const REPEAT_SIGNAL_MS = 1_000;

function settingsFrom(argv: string[], env: NodeJS.ProcessEnv): Settings | "help" {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values } = parsed;
  if (values.help === true) return "help";
  const portText = values.port ?? env.PORT ?? String(DEFAULT_PORT);
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65_535) {
    throw new UsageError(`port must be a number from 0 to 65535, got "${portText}" (e.g. PORT=8788 npm start)`);
  }
  const ingressText = values["ingress-port"] ?? env.INGRESS_PORT ?? String(DEFAULT_INGRESS_PORT);
  const ingressPort = Number(ingressText);
  if (!/^\d+$/.test(ingressText) || ingressPort > 65_535) {
    throw new UsageError(
      `ingress port must be a number from 0 to 65535, got "${ingressText}" (e.g. INGRESS_PORT=8081 npm start)`,
    );
  }
  if (ingressPort !== 0 && ingressPort === port) throw new UsageError(`the API and Ingress cannot share port ${port}`);
  const host = values.host ?? (env.HOST === "" ? undefined : env.HOST);
  const defaultDataDir = join(REPO_ROOT, ".kflare");
  const dataDir = resolve(values["data-dir"] ?? env.KFLARE_DATA_DIR ?? defaultDataDir);
  // The repository's .dev.vars is the one `wrangler dev` reads; another data dir is another
  // installation and must not rotate this one's admin token.
  const devVarsPath = dataDir === defaultDataDir ? join(REPO_ROOT, ".dev.vars") : join(dataDir, ".dev.vars");
  const wranglerConfigPath = values.config === undefined ? undefined : resolve(values.config);
  return { port, ingressPort, host, dataDir, devVarsPath, wranglerConfigPath, agent: values["no-agent"] !== true };
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      port: { type: "string" },
      "ingress-port": { type: "string" },
      host: { type: "string" },
      "data-dir": { type: "string" },
      config: { type: "string" },
      "no-agent": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
}

async function main(): Promise<number> {
  let settings: Settings | "help";
  try {
    settings = settingsFrom(process.argv.slice(2), process.env);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`npm start: ${err.message}\n\n${USAGE}`);
    return 2;
  }
  if (settings === "help") {
    console.log(USAGE);
    return 0;
  }

  // A signal may arrive while workerd is still starting: remember it, and stop once start returns.
  let stopRequested = false;
  let controlPlane: ControlPlane | undefined;
  let localAgent: LocalAgent | undefined;
  let stopping: Promise<void> | undefined;
  let firstSignalAt = 0;
  const stopAndExit = (signal: NodeJS.Signals): void => {
    if (stopRequested) {
      // npm forwards the terminal's Ctrl-C to its child, which the terminal also signalled: ignore
      // that echo. A deliberate second Ctrl-C while stopping means "out, now".
      if (performance.now() - firstSignalAt < REPEAT_SIGNAL_MS || stopping === undefined) return;
      console.error(`\nReceived ${signal} again; exiting without waiting for workerd.`);
      process.exit(130);
    }
    stopRequested = true;
    firstSignalAt = performance.now();
    if (controlPlane === undefined) return;
    console.log(`\nStopping (${signal})...`);
    const cp = controlPlane;
    stopping = (localAgent ? localAgent.stop() : Promise.resolve())
      .then(() => cp.stop())
      .then(
        () => {
          console.log("Stopped.");
          process.exit(0);
        },
        (err: unknown) => {
          console.error(`workerd did not stop cleanly: ${(err as Error).message}`);
          process.exit(1);
        },
      );
  };
  process.on("SIGINT", stopAndExit);
  process.on("SIGTERM", stopAndExit);

  console.log(`Starting the kflare control plane on workerd (state in ${settings.dataDir})...`);
  try {
    controlPlane = await startControlPlane({
      dataDir: settings.dataDir,
      devVarsPath: settings.devVarsPath,
      port: settings.port,
      ingressPort: settings.ingressPort,
      ...(settings.host === undefined ? {} : { host: settings.host }),
      ...(settings.wranglerConfigPath === undefined ? {} : { wranglerConfigPath: settings.wranglerConfigPath }),
      log: (line) => console.log(line),
    });
  } catch (err) {
    if (err instanceof PortInUseError) {
      console.error(err.message);
      return 1;
    }
    console.error(`kflare failed to start: ${(err as Error).stack ?? String(err)}`);
    return 1;
  }
  // Miniflare installs SIGINT/SIGTERM handlers that kill workerd and exit 130 at once. This process
  // stops the control plane itself (dispose, then exit 0), so only its own handlers stay; Miniflare's
  // "exit" hook remains the safety net that kills workerd if the process ends any other way.
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    for (const listener of process.listeners(signal)) {
      if (listener !== stopAndExit) process.removeListener(signal, listener);
    }
  }
  if (stopRequested) {
    await controlPlane.stop();
    console.log("Stopped.");
    return 0;
  }

  const kubeconfig = controlPlane.kubeconfigPath;
  if (settings.agent) {
    try {
      localAgent = await startLocalAgent({
        dataDir: settings.dataDir,
        kubeconfig,
        server: controlPlane.url,
        log: (line) => console.log(line),
      });
      console.log(`Started a local agent: node ${localAgent.nodeName} (npm start -- --no-agent runs without one).`);
    } catch (err) {
      console.error(`The local agent did not start: ${(err as Error).message}`);
    }
  }
  const sinceProcessStart = (performance.now() / 1000).toFixed(2);
  console.log(
    [
      "",
      `kflare control plane "${CLUSTER_NAME}" is serving ${controlPlane.url} ` +
        `(first 200 on /healthz ${sinceProcessStart} s after launch). Ctrl-C stops it; state is kept.`,
      `Try it: kubectl --kubeconfig ${kubeconfig} get nodes`,
      `Ingress traffic: ${controlPlane.ingressUrl} (curl -H 'Host: <an Ingress host>' ${controlPlane.ingressUrl}/); ` +
        `LoadBalancer Services get <name>-<namespace>.${controlPlane.ingressDomain}`,
      "Next, in another terminal:",
      `  export KUBECONFIG=${kubeconfig}`,
    ].join("\n"),
  );
  // Stay up until a signal; the handlers above exit the process.
  return new Promise<number>(() => {});
}

process.exitCode = await main();
