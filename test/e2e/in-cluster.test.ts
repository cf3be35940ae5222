// Pods reaching the API as in-cluster clients do, end to end with real containerd: a pod running
// @kubernetes/client-node with its in-cluster configuration (the projected service-account token,
// kube-root-ca.crt's CA, KUBERNETES_SERVICE_HOST/PORT) lists pods through the `kubernetes`
// Service: its ClusterIP is DNATed to the node's API proxy, which presents a certificate from the
// cluster CA and relays the pod's own token to the control plane, where RBAC decides. Also
// `kubectl create token`, and what a token may do before and after a RoleBinding.

import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pushNodeImage } from "../setup/node-image.ts";
import { ContainerNode, type PodView } from "../tools/container-node.ts";

const ROOT = join(import.meta.dirname, "../..");
const node = new ContainerNode({
  name: "e2e-api",
  nodeName: "e2e-in-cluster",
  vars: { NODE_KEEPALIVE_SECONDS: "1", NODE_GRACE_PERIOD_SECONDS: "20" },
});
let image = "";

beforeAll(async () => {
  await node.setUp();
  // @kubernetes/client-node 2 needs Node 22: the image carries the toolchain's Node 22.
  if (!node.unavailable && node.registry?.available)
    image = await pushNodeImage(node.registry.host, join(ROOT, "node_modules/node/bin/node"));
}, 600_000);
afterAll(() => node.tearDown(), 180_000);

/** Runs the in-cluster client in a pod to completion; its phase and what it printed. */
async function runClient(name: string): Promise<{ phase: string; out: Record<string, unknown> }> {
  await node.apply({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, labels: { app: "client" } },
    spec: {
      restartPolicy: "Never",
      containers: [{ name: "client", image, command: ["/usr/local/bin/node", "/app/in-cluster.mjs", "default"] }],
    },
  });
  const pod = await node.eventually(
    `pod ${name} finishes`,
    async () => {
      const p = await node.client.get<PodView>(`/api/v1/namespaces/default/pods/${name}`);
      return p.status?.phase === "Succeeded" || p.status?.phase === "Failed" ? p : undefined;
    },
    90_000,
  );
  const logs = await node.kubectl("logs", name);
  const line = logs.trim().split("\n").at(-1) ?? "";
  let out: Record<string, unknown>;
  try {
    out = JSON.parse(line) as Record<string, unknown>;
  } catch {
    throw new Error(`the client printed no JSON:\n${logs}`);
  }
  return { phase: pod.status?.phase ?? "", out };
}

describe("the kubernetes Service from a pod", { timeout: 300_000 }, () => {
  it("gives a pod its API credentials: token, cluster CA, namespace and the Service's variables", async ({ skip }) => {
    if (node.unavailable) return skip(node.unavailable);
    await node.join();
    const svc = JSON.parse(await node.kubectl("get", "service", "kubernetes", "-o", "json")) as {
      spec: { clusterIP: string };
    };
    await node.apply({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "look" },
      spec: {
        containers: [{ name: "c", image, command: ["/bin/sh", "-c", "sleep 3600"] }],
        terminationGracePeriodSeconds: 1,
      },
    });
    await node.eventually("pod look Running", async () => {
      const p = await node.client.get<PodView>("/api/v1/namespaces/default/pods/look");
      return p.status?.phase === "Running" ? p : undefined;
    });
    const dir = "/var/run/secrets/kubernetes.io/serviceaccount";
    const files = await node.kubectl("exec", "look", "--", "ls", dir);
    expect(files.split(/\s+/).filter(Boolean).sort()).toEqual(["ca.crt", "namespace", "token"]);
    expect(await node.kubectl("exec", "look", "--", "cat", `${dir}/namespace`)).toBe("default");
    const ca = JSON.parse(await node.kubectl("get", "configmap", "kube-root-ca.crt", "-o", "json")) as {
      data: { "ca.crt": string };
    };
    expect(await node.kubectl("exec", "look", "--", "cat", `${dir}/ca.crt`)).toBe(ca.data["ca.crt"]);
    const env = await node.kubectl("exec", "look", "--", "env");
    expect(env).toContain(`KUBERNETES_SERVICE_HOST=${svc.spec.clusterIP}`);
    expect(env).toContain("KUBERNETES_SERVICE_PORT=443");
    await node.kubectl("delete", "pod", "look", "--wait=false");
  });

  it("lets @kubernetes/client-node in a pod list pods, as RBAC allows", async ({ skip }) => {
    if (node.unavailable) return skip(node.unavailable);
    const svc = JSON.parse(await node.kubectl("get", "service", "kubernetes", "-o", "json")) as {
      spec: { clusterIP: string };
    };
    // Authenticated as system:serviceaccount:default:default, which nothing grants yet: 403.
    const denied = await runClient("client-denied");
    expect(denied.phase).toBe("Failed");
    expect(denied.out.server).toBe(`https://${svc.spec.clusterIP}:443`);
    expect(String(denied.out.message)).toContain(
      'pods is forbidden: User \\"system:serviceaccount:default:default\\" cannot list resource \\"pods\\"',
    );

    await node.kubectl(
      "create",
      "rolebinding",
      "default-view",
      "--clusterrole=view",
      "--serviceaccount=default:default",
    );
    const allowed = await runClient("client-allowed");
    expect(allowed.phase).toBe("Succeeded");
    expect(allowed.out.pods).toEqual(expect.arrayContaining(["client-denied", "client-allowed"]));
  });

  it("issues tokens to kubectl create token that RBAC then decides for", async ({ skip }) => {
    if (node.unavailable) return skip(node.unavailable);
    await node.kubectl("create", "serviceaccount", "robot");
    const token = (await node.kubectl("create", "token", "robot", "--duration=15m")).trim();
    expect(token.length).toBeGreaterThan(20);
    const as = (...args: string[]) => node.kubectl(`--token=${token}`, ...args);
    await expect(as("get", "pods")).rejects.toThrow(
      'User "system:serviceaccount:default:robot" cannot list resource "pods" in API group "" in the namespace "default"',
    );
    await node.kubectl("create", "rolebinding", "robot-view", "--clusterrole=view", "--serviceaccount=default:robot");
    expect(await as("get", "pods", "-o", "name")).toContain("pod/client-allowed");
    await expect(as("get", "secrets")).rejects.toThrow("forbidden");
    // Deleting the account revokes its tokens (within the API's 10 s identity cache).
    await node.kubectl("delete", "serviceaccount", "robot");
    const refused = await node.eventually("the deleted account's token is refused", async () =>
      as("get", "pods").then(
        () => undefined,
        (err: Error) => err.message,
      ),
    );
    expect(refused).toContain("You must be logged in to the server");
  });
});
