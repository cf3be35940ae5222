// Services end to end on a real node: the agent's service proxy (iptables in the node's network
// namespace) and its cluster DNS, with real containerd pods. A Service's ClusterIP balances over
// its pods, by name from inside a pod too (resolv.conf from dnsPolicy, the kube-dns address
// answered by the agent), follows a scale-down, answers on a NodePort and on an external IP, keeps
// working while the agent restarts, and leaves no rule behind when deleted or when the node is reset.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ContainerNode, deployment, SERVE_POD_NAME } from "../tools/container-node.ts";
import { hostNetworkSnapshot } from "../tools/netns.ts";

const NODE = "e2e-services";
const node = new ContainerNode({
  name: "e2e-svc",
  nodeName: NODE,
  // A grace period longer than an agent restart (as the real 40 s is): a restart that outlasts it
  // makes the node NotReady, its pods unready and their endpoints go, which is not what this tests.
  vars: { NODE_KEEPALIVE_SECONDS: "1", NODE_GRACE_PERIOD_SECONDS: "20" },
});

function curl(url: string): string {
  return node.netns!.exec("curl", ["-s", "-m", "3", url]).trim();
}

/** The pod names answering `url` over `n` requests. */
function answering(url: string, n: number): Set<string> {
  const seen = new Set<string>();
  for (let i = 0; i < n; i++) seen.add(curl(url));
  return seen;
}

/** The node's kflare rules (iptables-save lines naming a KFLARE chain, counters dropped). */
function kflareRules(): string[] {
  return node
    .netns!.exec("iptables-save", [])
    .split("\n")
    .filter((l) => l.includes("KFLARE"))
    .map((l) => l.replace(/\[\d+:\d+\]/g, "[0:0]"))
    .sort();
}

async function clusterIP(name: string): Promise<string> {
  const svc = await node.client.get<{ spec: { clusterIP: string } }>(`/api/v1/namespaces/default/services/${name}`);
  return svc.spec.clusterIP;
}

async function readyEndpoints(name: string): Promise<string[]> {
  const list = await node.client.get<{
    items: { endpoints?: { addresses: string[]; conditions: { ready?: boolean } }[] }[];
  }>(
    `/apis/discovery.k8s.io/v1/namespaces/default/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3D${name}`,
  );
  return list.items
    .flatMap((s) => s.endpoints ?? [])
    .filter((e) => e.conditions.ready)
    .flatMap((e) => e.addresses)
    .sort();
}

let rulesBefore: string[] = [];

beforeAll(() => node.setUp(), 600_000);
afterAll(() => node.tearDown(), 180_000);

describe("Services on a node: proxy and DNS", { timeout: 240_000 }, () => {
  it("joins, and programs the cluster's default Services before any pod", async ({ skip }) => {
    if (node.unavailable) return skip(node.unavailable);
    await node.join();
    // kubernetes and kube-dns exist from the start: their rules are the baseline.
    rulesBefore = await node.eventually("kube-dns rules", async () => {
      const rules = kflareRules();
      // Chains first, then the jumps into them (one restore): the baseline is both.
      const complete =
        rules.some((r) => r.includes("10.43.0.10/32")) && rules.some((r) => r.startsWith("-A PREROUTING"));
      return complete ? rules : undefined;
    });
  });

  it("balances a ClusterIP over the Service's ready pods", async ({ skip }) => {
    if (node.unavailable) return skip(node.unavailable);
    await node.apply(
      deployment("web-app", 3, {
        containers: [
          {
            name: "web",
            image: node.images.myapp,
            command: SERVE_POD_NAME,
            ports: [{ name: "http", containerPort: 3000 }],
          },
        ],
      }),
    );
    await node.apply({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "web-app" },
      spec: { selector: { app: "web-app" }, ports: [{ name: "http", port: 80, targetPort: "http" }] },
    });
    const pods = await node.eventually("3 web-app pods Running", async () => {
      const p = await node.podsOf("web-app");
      return p.length === 3 && p.every((x) => x.status?.phase === "Running") ? p : undefined;
    });
    const ips = pods.map((p) => p.status?.podIP ?? "").sort();
    await node.eventually(
      "3 ready endpoints",
      async () => JSON.stringify(await readyEndpoints("web-app")) === JSON.stringify(ips),
    );
    const ip = await clusterIP("web-app");
    const names = pods.map((p) => p.metadata.name ?? "").sort();
    const seen = await node.eventually("every pod answers on the ClusterIP", async () => {
      const s = answering(`http://${ip}/`, 30);
      return names.every((n) => s.has(n)) ? s : undefined;
    });
    expect([...seen].sort()).toEqual(names);
  });

  it("resolves Services by name from a pod and reaches them through the ClusterIP", async ({ skip }) => {
    if (node.unavailable) return skip(node.unavailable);
    const ip = await clusterIP("web-app");
    await node.apply({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "dns-client", labels: { app: "dns-client" } },
      spec: {
        restartPolicy: "Never",
        containers: [
          {
            name: "client",
            image: node.images.hello,
            command: [
              "/bin/sh",
              "-c",
              [
                "cat /etc/resolv.conf",
                "nslookup web-app.default.svc.cluster.local",
                "nslookup web-app",
                "for i in 1 2 3 4 5 6 7 8 9 10 11 12; do printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc web-app 80 | tail -n 1; done",
              ].join("; "),
            ],
          },
        ],
      },
    });
    await node.eventually("dns-client finished", async () => {
      const [p] = await node.podsOf("dns-client");
      return p?.status?.phase === "Succeeded" || p?.status?.phase === "Failed" ? p : undefined;
    });
    const out = await node.kubectl("logs", "dns-client");
    expect(out).toContain("nameserver 10.43.0.10");
    expect(out).toMatch(/search default\.svc\.cluster\.local svc\.cluster\.local cluster\.local/);
    expect(out).toContain("options ndots:5");
    // Both lookups answer the ClusterIP (the short name through the search path).
    expect(out.split(`Address: ${ip}`).length - 1).toBeGreaterThanOrEqual(2);
    const served = new Set(out.split("\n").filter((l) => l.startsWith("web-app-")));
    expect(served.size).toBeGreaterThanOrEqual(2);
  });

  it("answers on a NodePort at the node's address", async ({ skip }) => {
    if (node.unavailable) return skip(node.unavailable);
    await node.apply({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "web-np" },
      spec: { type: "NodePort", selector: { app: "web-app" }, ports: [{ port: 80, targetPort: 3000 }] },
    });
    const svc = await node.client.get<{ spec: { ports: { nodePort: number }[] } }>(
      "/api/v1/namespaces/default/services/web-np",
    );
    const nodePort = svc.spec.ports[0]!.nodePort;
    expect(nodePort).toBeGreaterThanOrEqual(30000);
    expect(nodePort).toBeLessThanOrEqual(32767);
    await node.eventually("NodePort answers", async () =>
      curl(`http://${node.address}:${nodePort}/`).startsWith("web-app-"),
    );
  });

  it("answers on an external IP routed to the node, and its rules go with the Service", async ({ skip }) => {
    if (node.unavailable) return skip(node.unavailable);
    // An address the cluster does not manage that reaches this node, as a second LAN address would.
    const external = "192.168.77.200";
    node.netns!.exec("ip", ["addr", "add", `${external}/32`, "dev", "eth0"]);
    try {
      await node.apply({
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: "web-ext" },
        spec: { selector: { app: "web-app" }, ports: [{ port: 8088, targetPort: 3000 }], externalIPs: [external] },
      });
      expect(await node.kubectl("get", "service", "web-ext")).toMatch(
        /web-ext\s+ClusterIP\s+\S+\s+192\.168\.77\.200\s+8088\/TCP/,
      );
      await node.eventually("the external IP answers", async () =>
        curl(`http://${external}:8088/`).startsWith("web-app-"),
      );
    } finally {
      // Also when an assertion failed: the next test counts every rule.
      await node.kubectl("delete", "service", "web-ext", "--ignore-not-found", "--wait=true");
      node.netns!.exec("ip", ["addr", "del", `${external}/32`, "dev", "eth0"]);
    }
    await node.eventually("its rules are gone", async () => !kflareRules().some((r) => r.includes(external)));
  });

  it("follows a scale-down: only the remaining pod answers once its endpoints settle", async ({ skip }) => {
    if (node.unavailable) return skip(node.unavailable);
    await node.kubectl("scale", "deployment/web-app", "--replicas=1");
    const [last] = await node.eventually("one web-app pod", async () => {
      const p = await node.podsOf("web-app");
      return p.length === 1 ? p : undefined;
    });
    await node.eventually("one ready endpoint", async () => (await readyEndpoints("web-app")).length === 1);
    const ip = await clusterIP("web-app");
    const seen = await node.eventually("only the last pod answers", async () => {
      const s = answering(`http://${ip}/`, 10);
      return s.size === 1 ? s : undefined;
    });
    expect([...seen]).toEqual([last!.metadata.name]);
  });

  it("keeps Services working while the agent restarts", async ({ skip }) => {
    if (node.unavailable) return skip(node.unavailable);
    const ip = await clusterIP("web-app");
    await node.stopAgent();
    expect(curl(`http://${ip}/`)).toMatch(/^web-app-/);
    node.startAgent(["run"]);
    await node.eventually(
      "agent reconnected",
      async () => node.agentOut.lastIndexOf("connected to the control plane") > node.agentOut.lastIndexOf("Stopped"),
    );
    expect(curl(`http://${ip}/`)).toMatch(/^web-app-/);
  });

  it("removes every rule a Service made when it is deleted", async ({ skip }) => {
    if (node.unavailable) return skip(node.unavailable);
    await node.kubectl("delete", "service", "web-app", "web-np");
    // Waited for with a bound; a miss shows the difference line by line.
    await node
      .eventually(
        "rules back to the baseline",
        async () => JSON.stringify(kflareRules()) === JSON.stringify(rulesBefore),
        20_000,
      )
      .catch(() => undefined);
    expect(kflareRules()).toEqual(rulesBefore);
  });

  it("k-agent reset removes the proxy's rules, and the machine's own network is untouched", async ({ skip }) => {
    if (node.unavailable || !node.before) return skip(node.unavailable ?? "no snapshot");
    await node.kubectl("delete", "deployment", "web-app");
    await node.kubectl("delete", "pod", "dns-client");
    await node.stopAgent();
    await node.first.reset();
    expect(kflareRules()).toEqual([]);
    expect(hostNetworkSnapshot()).toEqual(node.before);
  });
});
