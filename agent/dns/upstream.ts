// Where names outside the cluster go: the node's own resolvers (its /etc/resolv.conf), asked over
// UDP one after another with a bounded wait each, as CoreDNS's forward plugin does for pods.

import { createSocket } from "node:dgram";
import { readFile } from "node:fs/promises";

export interface HostResolvConf {
  nameservers: string[];
  searches: string[];
  options: string[];
}

/** The nameserver, search and options lines of a resolv.conf. */
export function parseResolvConf(text: string): HostResolvConf {
  const out: HostResolvConf = { nameservers: [], searches: [], options: [] };
  for (const raw of text.split("\n")) {
    const line = raw.replace(/[#;].*$/, "").trim();
    const [key, ...rest] = line.split(/\s+/);
    if (key === "nameserver" && rest[0]) out.nameservers.push(rest[0]);
    else if (key === "search" || key === "domain") out.searches = rest;
    else if (key === "options") out.options.push(...rest);
  }
  return out;
}

export async function readHostResolvConf(path = "/etc/resolv.conf"): Promise<HostResolvConf> {
  try {
    return parseResolvConf(await readFile(path, "utf8"));
  } catch {
    return { nameservers: [], searches: [], options: [] };
  }
}

/** Where systemd-resolved keeps the real upstream servers (its stub at 127.0.0.53 is in /etc/resolv.conf). */
export const SYSTEMD_RESOLV_CONF = "/run/systemd/resolve/resolv.conf";

function loopbackOnly(conf: HostResolvConf): boolean {
  return conf.nameservers.length > 0 && conf.nameservers.every((n) => n.startsWith("127.") || n === "::1");
}

/**
 * The resolv.conf pods may copy (dnsPolicy Default, and the searches ClusterFirst appends): a
 * loopback resolver such as systemd-resolved's 127.0.0.53 means nothing inside a pod's network,
 * so, as kubelet and k3s do, systemd-resolved's own file is used instead when the host's names
 * only loopback servers.
 */
export async function podResolvConf(
  host: HostResolvConf,
  readSystemd: () => Promise<HostResolvConf | undefined> = async () => {
    try {
      return parseResolvConf(await readFile(SYSTEMD_RESOLV_CONF, "utf8"));
    } catch {
      return undefined;
    }
  },
): Promise<HostResolvConf> {
  if (!loopbackOnly(host)) return host;
  const systemd = await readSystemd();
  if (systemd && systemd.nameservers.length > 0 && !loopbackOnly(systemd)) return systemd;
  // No usable resolver for pods: keep the searches, drop the loopback servers.
  return { ...host, nameservers: [] };
}

/** "1.1.1.1" or "1.1.1.1:5353" -> host and port. */
function endpoint(server: string): { host: string; port: number } {
  const m = /^([\d.]+):(\d+)$/.exec(server);
  return m ? { host: m[1]!, port: Number(m[2]) } : { host: server, port: 53 };
}

/** Sends a query to one server and resolves with its answer, or undefined after `timeoutMs`. */
function ask(server: string, query: Buffer, timeoutMs: number): Promise<Buffer | undefined> {
  const { host, port } = endpoint(server);
  return new Promise((resolve) => {
    const socket = createSocket(host.includes(":") ? "udp6" : "udp4");
    const done = (answer: Buffer | undefined) => {
      clearTimeout(timer);
      socket.close();
      resolve(answer);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    socket.on("error", () => done(undefined));
    // The answer must carry the query's id: anything else on this socket is not ours.
    socket.on("message", (msg) => {
      if (msg.length >= 2 && msg.readUInt16BE(0) === query.readUInt16BE(0)) done(msg);
    });
    socket.send(query, port, host);
  });
}

export async function forward(
  servers: readonly string[],
  query: Buffer,
  timeoutMs = 2000,
): Promise<Buffer | undefined> {
  for (const server of servers) {
    const answer = await ask(server, query, timeoutMs);
    if (answer) return answer;
  }
  return undefined;
}
