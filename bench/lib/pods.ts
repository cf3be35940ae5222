// What the benchmark writes: pods shaped like the seed manifest's (examples/deployment.yaml) web
// container, in namespaces of their own so each phase reads exactly what it wrote.
import type { Client } from "./http.ts";

/** The annotation carrying the client's send time on watched writes: `<seq>@<ms>`, ms on watch-receiver.ts's sharedNowMs clock. */
export const SENT_ANNOTATION = "bench.kflare.dev/sent";

export function podsPath(namespace: string, name?: string): string {
  return `/api/v1/namespaces/${namespace}/pods${name === undefined ? "" : `/${name}`}`;
}

/**
 * The node benchmark pods are bound to at creation. No Node object by that name exists, so the
 * scheduler (which places only unbound pods) and node lifecycle (which acts only once nodes exist)
 * running inside the store have nothing to do: the figures are the API path's. `--unbound` in
 * api.ts leaves nodeName out instead, for the cost of pods that stay pending on a node-less cluster.
 */
export const BENCH_NODE = "bench-node";

export interface PodOptions {
  annotations?: Record<string, string>;
  /** Omitted: the pod is left for the scheduler. */
  nodeName?: string;
}

/** Builds a pod body for a namespace and name. */
export type PodBody = (namespace: string, name: string, annotations?: Record<string, string>) => string;

/** A pod as a Deployment's ReplicaSet would post it: labels, owner-free, one container with resources. */
export function podBody(namespace: string, name: string, opts: PodOptions = {}): string {
  const { annotations, nodeName } = opts;
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace,
      labels: { app: "web-app", "pod-template-hash": "5d8f7c9b6d" },
      ...(annotations === undefined ? {} : { annotations }),
    },
    spec: {
      ...(nodeName === undefined ? {} : { nodeName }),
      containers: [
        {
          name: "web",
          image: "myapp:1.2.0",
          ports: [{ containerPort: 3000, protocol: "TCP" }],
          env: [{ name: "PORT", value: "3000" }],
          resources: {
            requests: { cpu: "100m", memory: "128Mi" },
            limits: { cpu: "500m", memory: "512Mi" },
          },
        },
      ],
    },
  });
}

export async function createNamespace(api: Client, name: string): Promise<void> {
  await api.must("POST", "/api/v1/namespaces", 201, JSON.stringify({ metadata: { name } }));
}

/** Creates `count` pods named `<prefix><i>`, `concurrency` at a time. */
export async function createPods(
  api: Client,
  body: PodBody,
  namespace: string,
  prefix: string,
  count: number,
  concurrency: number,
): Promise<void> {
  let next = 0;
  const loop = async (): Promise<void> => {
    while (next < count) {
      const name = `${prefix}${next++}`;
      await api.must("POST", podsPath(namespace), 201, body(namespace, name));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
}

/** The namespace's pods' list resourceVersion: where a watch starts so that it misses nothing. */
export async function listRevision(api: Client, namespace: string): Promise<string> {
  const r = await api.must("GET", `${podsPath(namespace)}?limit=1`, 200);
  const rv = (JSON.parse(r.body) as { metadata?: { resourceVersion?: string } }).metadata?.resourceVersion;
  if (!rv) throw new Error(`no resourceVersion in the list of ${namespace}'s pods`);
  return rv;
}
