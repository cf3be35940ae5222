// `npx kflare cluster create|list|delete <name>`: clusters hosted by one deployment, managed with the
// deployment admin's kubeconfig. create also writes a kubeconfig for the new cluster (the same
// credential, the server URL with /clusters/<name>).

import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { parse } from "yaml";
import { connectionFromKubeconfig, KubeClient, KubeError } from "./kube-client.ts";
import { renderKubeconfig } from "./kubeconfig.ts";
import { REPO_ROOT } from "./local-control-plane.ts";
import { writeFileAtomic } from "./secure-fs.ts";

export class ClusterUsageError extends Error {}

const NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export async function clusterCommand(argv: readonly string[], out: (s: string) => void): Promise<number> {
  const [sub, ...rest] = argv;
  let parsed: { values: { kubeconfig?: string; out?: string }; positionals: string[] };
  try {
    parsed = parseArgs({
      args: rest,
      options: { kubeconfig: { type: "string" }, out: { type: "string" } },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    throw new ClusterUsageError((err as Error).message);
  }
  const kubeconfig = parsed.values.kubeconfig ?? process.env.KUBECONFIG ?? join(REPO_ROOT, ".kflare/kubeconfig");
  const name = parsed.positionals[0];
  if (sub !== "list" && (name === undefined || !NAME.test(name))) {
    throw new ClusterUsageError(
      `a cluster name is required: lowercase letters, digits and '-', e.g. kflare cluster ${sub ?? "create"} staging`,
    );
  }
  const conn = await connectionFromKubeconfig(kubeconfig);
  const root = conn.server.replace(/\/clusters\/[^/]+$/, "");
  const client = new KubeClient({ ...conn, server: root }, 2);
  try {
    switch (sub) {
      case "list": {
        const list = await client.get<{ items: { name: string; creationTimestamp: string }[] }>("/kflare/v1/clusters");
        out(["NAME\tCREATED", ...list.items.map((c) => `${c.name}\t${c.creationTimestamp || "-"}`)].join("\n"));
        return 0;
      }
      case "create": {
        await client.call("POST", "/kflare/v1/clusters", { metadata: { name } });
        const doc = parse(await readFile(kubeconfig, "utf8")) as { contexts?: { context: { namespace?: string } }[] };
        const path = resolve(parsed.values.out ?? `${name}.kubeconfig`);
        const text = renderKubeconfig({
          cluster: name!,
          server: `${root}/clusters/${name}`,
          token: conn.token,
          caPem: conn.caPem,
          namespace: doc.contexts?.[0]?.context.namespace,
        });
        await writeFileAtomic(path, text, 0o600);
        out(`Created cluster ${name}. Next:\n  export KUBECONFIG=${path}\n  kubectl get namespaces`);
        return 0;
      }
      case "delete":
        await client.call("DELETE", `/kflare/v1/clusters/${name}`);
        out(`Deleted cluster ${name} and everything in it.`);
        return 0;
      default:
        throw new ClusterUsageError(
          `unknown cluster command "${sub ?? ""}"; try: kflare cluster create|list|delete <name>`,
        );
    }
  } catch (err) {
    if (err instanceof KubeError) throw new Error(err.message);
    throw err;
  } finally {
    client.close();
  }
}
