// Two container nodes on one LAN (their own network namespaces, a bridge between them): pods on
// one node reach pods on the other by their IPs (each agent routes the other's podCIDR through
// its address, flannel's host-gw way), and a Service's ClusterIP and name reach its pods on both
// nodes from a pod on either; an Ingress reaches the pods of both nodes, each through its node's
// ingress link; a pod reaches another host of the LAN from its node's address. `k-agent reset`
// takes the routes away again.

import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ContainerNode, deployment, type NodeHost, SERVE_POD_NAME } from "../tools/container-node.ts";

const cluster = new ContainerNode({
  name: "e2e-mn",
  nodeName: "mn-a",
  vars: { NODE_KEEPALIVE_SECONDS: "1", NODE_GRACE_PERIOD_SECONDS: "4" },
});
let second: NodeHost;
const execFileAsync = promisify(execFile);

function routes(node: NodeHost): string {
  return node.netns.exec("ip", ["-o", "route", "show", "proto", "250"]).trim();
}

beforeAll(() => cluster.setUp(), 600_000);
afterAll(() => cluster.tearDown(), 240_000);

describe("two nodes on a LAN", { timeout: 300_000 }, () => {
  it("join, and each routes the other's podCIDR through its address", async ({ skip }) => {
    if (cluster.unavailable) return skip(cluster.unavailable);
    await cluster.join();
    second = await cluster.addNode("mn-b");
    await second.join();
    const cidrs = new Map<string, string>();
    for (const n of ["mn-a", "mn-b"]) {
      const node = await cluster.client.get<{ spec: { podCIDR: string } }>(`/api/v1/nodes/${n}`);
      cidrs.set(n, node.spec.podCIDR);
    }
    expect(cidrs.get("mn-a")).not.toBe(cidrs.get("mn-b"));
    await cluster.eventually(
      "routes on both nodes",
      async () =>
        routes(cluster.first).startsWith(`${cidrs.get("mn-b")} via ${second.address}`) &&
        routes(second).startsWith(`${cidrs.get("mn-a")} via ${cluster.first.address}`),
    );
  });

  it("spreads a Service's pods over both nodes and reaches each one by IP from the other node", async ({ skip }) => {
    if (cluster.unavailable) return skip(cluster.unavailable);
    await cluster.apply(
      deployment("web-app", 4, {
        topologySpreadConstraints: [
          {
            maxSkew: 1,
            topologyKey: "kubernetes.io/hostname",
            whenUnsatisfiable: "DoNotSchedule",
            labelSelector: { matchLabels: { app: "web-app" } },
          },
        ],
        containers: [
          {
            name: "web",
            image: cluster.images.myapp,
            command: SERVE_POD_NAME,
            ports: [{ name: "http", containerPort: 3000 }],
          },
        ],
      }),
    );
    await cluster.apply({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "web-app" },
      spec: { selector: { app: "web-app" }, ports: [{ port: 80, targetPort: "http" }] },
    });
    const pods = await cluster.eventually("4 pods Running", async () => {
      const p = await cluster.podsOf("web-app");
      return p.length === 4 && p.every((x) => x.status?.phase === "Running") ? p : undefined;
    });
    const onB = pods.filter((p) => (p.spec as { nodeName?: string }).nodeName === "mn-b");
    expect(onB).toHaveLength(2);
    // From node A's own network, straight to a pod on node B, over the route.
    const body = cluster.first.netns.exec("curl", ["-s", "-m", "5", `http://${onB[0]!.status!.podIP}:3000/`]);
    expect(body.trim()).toBe(onB[0]!.metadata.name);
  });

  it("reaches the pods of both nodes through the Service name from a pod on each node", async ({ skip }) => {
    if (cluster.unavailable) return skip(cluster.unavailable);
    const all = (await cluster.podsOf("web-app")).map((p) => p.metadata.name ?? "").sort();
    for (const node of ["mn-a", "mn-b"]) {
      const name = `client-${node}`;
      await cluster.apply({
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name, labels: { app: name } },
        spec: {
          nodeName: node,
          restartPolicy: "Never",
          containers: [
            {
              name: "client",
              image: cluster.images.hello,
              command: [
                "/bin/sh",
                "-c",
                "nslookup web-app.default.svc.cluster.local; for i in $(seq 1 40); do printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc web-app 80 | tail -n 1; done",
              ],
            },
          ],
        },
      });
      await cluster.eventually(`${name} finished`, async () => {
        const phase = (await cluster.podsOf(name))[0]?.status?.phase;
        return phase === "Succeeded" || phase === "Failed";
      });
      const out = await cluster.kubectl("logs", name);
      const served = [...new Set(out.split("\n").filter((l) => l.startsWith("web-app-")))].sort();
      expect(served, `${name} reached ${served.join(", ")}`).toEqual(all);
    }
  });

  it("serves an Ingress from the pods of both nodes, each through its own node's link", async ({ skip }) => {
    if (cluster.unavailable) return skip(cluster.unavailable);
    const all = (await cluster.podsOf("web-app")).map((p) => p.metadata.name ?? "").sort();
    await cluster.apply({
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      metadata: { name: "web-app" },
      spec: {
        rules: [
          {
            host: "web.example",
            http: {
              paths: [
                { path: "/", pathType: "Prefix", backend: { service: { name: "web-app", port: { number: 80 } } } },
              ],
            },
          },
        ],
      },
    });
    // Asynchronous: the nodes reach the control plane through forwarders in this process.
    const get = async (): Promise<string> =>
      (
        await execFileAsync("curl", ["-s", "-m", "10", "-H", "Host: web.example", `${cluster.cp.ingressUrl}/`]).catch(
          () => ({ stdout: "" }),
        )
      ).stdout.trim();
    const served = await cluster.eventually("every pod answers through the Ingress", async () => {
      const seen = new Set<string>();
      for (let i = 0; i < 16; i++) seen.add(await get());
      return all.every((n) => seen.has(n)) ? seen : undefined;
    });
    expect([...served].filter((n) => n.startsWith("web-app-")).sort()).toEqual(all);
  });

  it("sends a pod's traffic to another host of the LAN from its node's address, by one node-level rule", async ({
    skip,
  }) => {
    if (cluster.unavailable) return skip(cluster.unavailable);
    const host = await cluster.lanHost("192.168.77.254", 8099);
    try {
      await cluster.apply({
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "lan-client", labels: { app: "lan-client" } },
        spec: {
          nodeName: "mn-b",
          restartPolicy: "Never",
          containers: [
            {
              name: "client",
              image: cluster.images.hello,
              command: ["/bin/sh", "-c", "nc 192.168.77.254 8099 </dev/null"],
            },
          ],
        },
      });
      await cluster.eventually("lan-client finished", async () => {
        const phase = (await cluster.podsOf("lan-client"))[0]?.status?.phase;
        return phase === "Succeeded" || phase === "Failed";
      });
      // The LAN host saw node B's address: it has no route to pod addresses, so it could not answer another.
      expect((await cluster.kubectl("logs", "lan-client")).trim()).toBe(second.address);
      // One rule for every pod of the node; the CNI bridge adds no chain per pod.
      expect(second.netns.exec("iptables", ["-t", "nat", "-S", "POSTROUTING"])).not.toMatch(/CNI-/);
      expect(second.netns.exec("iptables", ["-t", "nat", "-S", "KFLARE-POSTROUTING"])).toContain(
        "kflare pod traffic leaving the cluster",
      );
    } finally {
      await cluster.kubectl("delete", "pod", "lan-client", "--wait=false").catch(() => "");
      await host.stop();
    }
  });

  it("k-agent reset removes the routes", async ({ skip }) => {
    if (cluster.unavailable) return skip(cluster.unavailable);
    await cluster.kubectl("delete", "deployment", "web-app");
    await cluster.kubectl("delete", "pod", "client-mn-a", "client-mn-b");
    await second.stopAgent();
    await second.reset();
    expect(routes(second)).toBe("");
  });
});
