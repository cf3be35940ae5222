// Kubeconfig files for kflare: the local one `npm start` writes and the ones `kflare kubeconfig`
// writes for a deployed control plane. Rendered with the `yaml` package, read back leniently.
import { readFile } from "node:fs/promises";
import { isIPv6 } from "node:net";
import { parse, stringify } from "yaml";

export interface KubeconfigInput {
  cluster: string;
  server: string;
  token: string;
  /** PEM of the CA to pin; omitted for servers with a publicly trusted certificate. */
  caPem?: string;
  user?: string;
  namespace?: string;
}

/** The user entry's name for a cluster: `<cluster>-admin`. */
export function adminUserName(cluster: string): string {
  return `${cluster}-admin`;
}

export function renderKubeconfig(input: KubeconfigInput): string {
  const user = input.user ?? adminUserName(input.cluster);
  const cluster: Record<string, string> = { server: input.server };
  if (input.caPem !== undefined) cluster["certificate-authority-data"] = Buffer.from(input.caPem).toString("base64");
  const doc = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: input.cluster, cluster }],
    users: [{ name: user, user: { token: input.token } }],
    contexts: [
      {
        name: input.cluster,
        context: { cluster: input.cluster, user, namespace: input.namespace ?? "default" },
      },
    ],
    "current-context": input.cluster,
    preferences: {},
  };
  return stringify(doc, { lineWidth: 0 });
}

/** The token of user `user` in a kubeconfig text, or undefined when absent or unparsable. */
export function kubeconfigToken(text: string, user: string): string | undefined {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(doc) || !Array.isArray(doc.users)) return undefined;
  for (const entry of doc.users) {
    if (!isRecord(entry) || entry.name !== user || !isRecord(entry.user)) continue;
    const token = entry.user.token;
    return typeof token === "string" && token !== "" ? token : undefined;
  }
  return undefined;
}

/** Reads the token of `user` from the kubeconfig at `path`; undefined when missing or unreadable. */
export async function readKubeconfigToken(path: string, user: string): Promise<string | undefined> {
  try {
    return kubeconfigToken(await readFile(path, "utf8"), user);
  } catch {
    return undefined;
  }
}

/** `https://host:port` with IPv6 literals bracketed, as URLs and kubeconfigs require. */
export function httpsUrl(host: string, port: number): string {
  return `https://${isIPv6(host) ? `[${host}]` : host}:${port}`;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
