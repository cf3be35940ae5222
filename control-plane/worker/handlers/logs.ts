// kubectl logs: the pod's container and options checked here as kube-apiserver checks them, then
// the bytes come from the node's agent through the node's Durable Object.

import { badRequest } from "../../api/errors.ts";
import { nodeSessionName } from "../../durable-objects/node-session/names.ts";
import { unwrap } from "../store-client.ts";
import type { ResourceRequest } from "./context.ts";

const PASSED = ["follow", "previous", "timestamps", "tailLines", "sinceSeconds", "sinceTime", "limitBytes"] as const;

export async function podLogs(req: ResourceRequest, name: string): Promise<Response> {
  const pod = unwrap(await req.store.get(req.ref, req.namespace, name));
  const spec = (pod.spec ?? {}) as {
    nodeName?: string;
    containers?: { name: string }[];
    initContainers?: { name: string }[];
  };
  const q = req.url.searchParams;
  const names = [...(spec.containers ?? []), ...(spec.initContainers ?? [])].map((c) => c.name);
  let container = q.get("container") ?? "";
  if (!container) {
    if ((spec.containers ?? []).length !== 1) {
      throw badRequest(
        `a container name must be specified for pod ${name}, choose one of: [${(spec.containers ?? []).map((c) => c.name).join(" ")}]`,
      );
    }
    container = spec.containers![0]!.name;
  } else if (!names.includes(container)) throw badRequest(`container ${container} is not valid for pod ${name}`);
  for (const k of ["tailLines", "sinceSeconds", "limitBytes"]) {
    const v = q.get(k);
    if (v !== null && !/^\d+$/.test(v)) throw badRequest(`${k}: Invalid value: "${v}": must be a non-negative integer`);
  }
  if (q.has("sinceSeconds") && q.has("sinceTime"))
    throw badRequest("at most one of `sinceTime` or `sinceSeconds` may be specified");
  if (!spec.nodeName) throw badRequest(`pod ${name} does not have a host assigned`);
  const target = new URL("https://node-session/logs");
  const cluster = req.cluster;
  target.searchParams.set("cluster", cluster);
  target.searchParams.set("node", spec.nodeName);
  target.searchParams.set("namespace", req.namespace);
  target.searchParams.set("pod", name);
  target.searchParams.set("uid", pod.metadata.uid ?? "");
  target.searchParams.set("container", container);
  for (const k of PASSED) {
    const v = q.get(k);
    if (v !== null) target.searchParams.set(k, v);
  }
  const ns = req.env.NODE_SESSION;
  return ns.get(ns.idFromName(nodeSessionName(cluster, spec.nodeName))).fetch(target.toString());
}
