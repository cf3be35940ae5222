// Starts the floor Worker (bench/floor/worker.ts) the way cli/local-control-plane.ts starts the
// control plane: bundled with esbuild, run on workerd through Miniflare over https with the
// installation's certificate, its SQLite Durable Object persisted in the run's data directory as the
// store's is.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { bundleWorker } from "../../cli/bundle.ts";
import { directSocketBindings } from "../../cli/direct-sockets.ts";
import { httpsUrl } from "../../cli/kubeconfig.ts";
import { useLocalV8Flags } from "../../cli/local-control-plane.ts";
import { pickFreePort, waitFor200 } from "../../cli/net.ts";
import { pkiFiles } from "../../cli/pki.ts";
import type { WorkerConfig } from "../../cli/wrangler-config.ts";

const ENTRY = fileURLToPath(new URL("../floor/worker.ts", import.meta.url));

export interface Floor {
  url: string;
  stop(): Promise<void>;
}

/**
 * `pkiDir` is the control plane's (same CA, same server certificate: one client trust setting
 * serves both); `stateDir` holds the floor's Durable Object; `config` gives the control plane's
 * compatibility date and flags so that both run the same workerd behaviour; `log`, when given, gets
 * what the floor's workerd prints (V8's GC trace under `--gc`), which Miniflare prints otherwise.
 */
export async function startFloor(
  pkiDir: string,
  stateDir: string,
  config: Pick<WorkerConfig, "compatibilityDate" | "compatibilityFlags">,
  caPem: string,
  log?: (line: string) => void,
): Promise<Floor> {
  const files = pkiFiles(pkiDir);
  const [miniflare, bundle, cert, key, port] = await Promise.all([
    import("miniflare"),
    bundleWorker(ENTRY),
    readFile(files.serverCert, "utf8"),
    readFile(files.serverKey, "utf8"),
    pickFreePort("127.0.0.1"),
  ]);
  // The whole chain, as the control plane serves it: the same handshake for both.
  const chain = `${cert.trim()}\n${caPem.trim()}\n`;
  useLocalV8Flags(); // the floor runs on the same V8 settings as the control plane it is compared with
  const mf = new miniflare.Miniflare(
    miniflare.convertV4MiniflareOptions({
      // Served as the control plane is: from a socket straight into the Worker (no entry worker).
      host: "127.0.0.1",
      port: 0,
      unsafeBindings: directSocketBindings([
        { name: "floor", host: "127.0.0.1", port, tls: { privateKey: key, certificateChain: chain } },
      ]),
      cf: false,
      telemetry: { enabled: false },
      // The same settings as the control plane where they cost throughput.
      logRequests: false,
      verbose: true,
      ...(log === undefined ? {} : { handleStructuredLogs: ({ message }: { message: string }) => log(message) }),
      resourcePersistencePath: stateDir,
      compatibilityDate: config.compatibilityDate,
      compatibilityFlags: config.compatibilityFlags,
      modules: [{ type: "ESModule", path: join(stateDir, "floor.mjs"), contents: bundle.code }],
      modulesRoot: stateDir,
      durableObjects: { FLOOR_STORE: { className: "FloorStore", useSQLite: true } },
    }),
  );
  try {
    await mf.ready;
    const url = httpsUrl("127.0.0.1", port);
    await waitFor200(`${url}/`, caPem, 30_000);
    return { url, stop: () => mf.dispose() };
  } catch (err) {
    await mf.dispose().catch(() => {});
    throw err;
  }
}
