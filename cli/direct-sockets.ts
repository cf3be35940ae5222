// workerd sockets that lead straight into the Worker, without Miniflare's entry worker.
//
// Miniflare serves its own socket through an entry worker: another JavaScript request in the same
// isolate, on workerd's one thread, in front of every request (it rebuilds the Request twice,
// parses URLs, rewrites headers, then fetches our Worker as a service). Its
// `unsafeDirectSockets` skip that hop but only speak plain HTTP, and kubectl sends a token only
// over TLS. This module is a Miniflare plugin, loaded through the public `unsafeBindings` option,
// whose only contribution is sockets of workerd's own config: HTTPS with the installation's key
// (or plain HTTP for Ingress), pointed at one of the Worker's entrypoints. Measured with bench:api
// (100 watchers, 200 writes/s), see docs/decisions.md.
//
// No `cfBlobHeader` is set, so workerd reports the peer's address in `request.cf.clientIp`
// (control-plane/worker/client-address.ts), and no `capnpConnectHost`, so the socket does not
// accept Cap'n Proto RPC from the network.

import { fileURLToPath } from "node:url";

export interface DirectSocket {
  /** Unique among this workerd's sockets. */
  name: string;
  host: string;
  port: number;
  /** A named export of the Worker (e.g. "IngressEntrypoint"); the default export otherwise. */
  entrypoint?: string;
  /** HTTPS with this key and chain (leaf first); plain HTTP without. */
  tls?: { privateKey: string; certificateChain: string };
}

const PLUGIN = "kflare-direct-socket";
const BINDING_TYPE = `unsafe:${PLUGIN}`;
const THIS_MODULE = fileURLToPath(import.meta.url);

/** The `unsafeBindings` entries (Miniflare's V4 options) that ask this plugin for these sockets. */
export function directSocketBindings(sockets: readonly DirectSocket[]): {
  name: string;
  type: string;
  plugin: { package: string; name: string };
  options: { [key: string]: string | number | { [key: string]: string } };
}[] {
  return sockets.map((s) => ({
    // The binding itself adds nothing to the Worker's env: only the plugin reads it.
    name: `KFLARE_SOCKET_${s.name.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`,
    type: PLUGIN,
    plugin: { package: THIS_MODULE, name: PLUGIN },
    options: {
      name: s.name,
      host: s.host,
      port: s.port,
      ...(s.entrypoint === undefined ? {} : { entrypoint: s.entrypoint }),
      ...(s.tls === undefined ? {} : { tls: s.tls }),
    },
  }));
}

/** `host:port` as workerd parses it (IPv6 in brackets). */
export function socketAddress(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

interface WorkerOptions {
  config: { name?: string; env?: Record<string, unknown> };
}

interface SocketBinding {
  type: string;
  dev: { options: DirectSocket };
}

function isSocketBinding(b: unknown): b is SocketBinding {
  return typeof b === "object" && b !== null && (b as { type?: unknown }).type === BINDING_TYPE;
}

/** workerd config sockets for one Worker's socket bindings. */
export function socketsFor(options: WorkerOptions): object[] {
  const sockets: object[] = [];
  for (const binding of Object.values(options.config.env ?? {})) {
    if (!isSocketBinding(binding)) continue;
    const s = binding.dev.options;
    sockets.push({
      name: `kflare-${s.name}`,
      address: socketAddress(s.host, s.port),
      // Miniflare names a Worker's service `core:user:<name>`.
      service: {
        name: `core:user:${options.config.name ?? ""}`,
        ...(s.entrypoint ? { entrypoint: s.entrypoint } : {}),
      },
      ...(s.tls === undefined
        ? { http: {} }
        : {
            https: {
              options: {},
              tlsOptions: { keypair: { privateKey: s.tls.privateKey, certificateChain: s.tls.certificateChain } },
            },
          }),
    });
  }
  return sockets;
}

/** What Miniflare loads from `plugin.package`: plugins by name. */
export const plugins = {
  [PLUGIN]: {
    getBindings: (): [] => [],
    getNodeBindings: (): Record<string, never> => ({}),
    getServices: ({ options }: { options: WorkerOptions }) => ({
      services: [],
      extensions: [],
      sockets: socketsFor(options),
    }),
  },
};
