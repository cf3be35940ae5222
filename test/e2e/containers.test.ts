// Containers end to end, for real: the control plane as `npm start` starts it, a token from
// `kflare token create`, and `k-agent join` run as root under the machine's own Node 20 inside a
// network namespace this test creates, where the agent starts its own containerd and runc. Images
// are busybox-based OCI images pulled from a real registry on loopback. Pods get their own
// addresses from the node's podCIDR, serve on them, reach each other, publish a hostPort, are
// OOMKilled over their memory limit, survive an agent restart untouched, and are gone when
// deleted. Afterwards the machine's own firewall rules and links are what they were.

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inCidr } from "../../agent/network/cidr.ts";
import { CriRuntime } from "../../agent/runtime/cri/runtime.ts";
import { isGuestAlive } from "../../agent/runtime/wasm/guest-process.ts";
import { pushWasmArtifact } from "../../agent/runtime/wasm/push.ts";
import { containerdLayout, runtimeStateDir } from "../../agent/src/runtimes.ts";
import type { Obj } from "../../cli/kube-client.ts";
import { createJoinToken } from "../../cli/token-command.ts";
import { wasmFixtures } from "../setup/wasm-fixtures.ts";
import { ContainerNode, deployment } from "../tools/container-node.ts";
import { hostNetworkSnapshot } from "../tools/netns.ts";

const NODE = "e2e-containers";
const cluster = new ContainerNode({
  name: "kflare-e2e",
  nodeName: NODE,
  vars: { NODE_KEEPALIVE_SECONDS: "1", NODE_GRACE_PERIOD_SECONDS: "4" },
});
const kubectl = (...args: string[]) => cluster.kubectl(...args);
const apply = (manifest: object) => cluster.apply(manifest);
const podsOf = (app: string) => cluster.podsOf(app);
const containers = () => cluster.containers();
const eventually = <T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs?: number) =>
  cluster.eventually(what, probe, timeoutMs);

beforeAll(() => cluster.setUp(), 600_000);
afterAll(() => cluster.tearDown(), 180_000);

describe("k-agent with containers (containerd, runc, CNI) in a network namespace", { timeout: 240_000 }, () => {
  it("joins as root, starts its own containerd and reports Ready with the runc handler", async ({ skip }) => {
    if (cluster.unavailable) return skip(cluster.unavailable);
    const made = await createJoinToken(cluster.cp.kubeconfigPath, 3_600_000, "e2e containers");
    cluster.startAgent(["join", made.joinToken, "--node-name", NODE]);
    await eventually("node Ready", async () => {
      const node = await cluster.client.get<Obj>(`/api/v1/nodes/${NODE}`);
      const conditions = (node.status as { conditions?: { type: string; status: string }[] }).conditions ?? [];
      return conditions.find((c) => c.type === "Ready")?.status === "True" ? node : undefined;
    });
    expect(cluster.agentOut).toMatch(/started containerd \(pid \d+/);
    const node = await cluster.client.get<Obj>(`/api/v1/nodes/${NODE}`);
    expect((node.status as { nodeInfo: { containerRuntimeVersion: string } }).nodeInfo.containerRuntimeVersion).toMatch(
      /^containerd:\/\//,
    );
    expect(await kubectl("get", "nodes")).toMatch(new RegExp(`^${NODE}\\s+Ready\\s`, "m"));
  });

  it("runs a Deployment whose pods get their own IPs from the node's podCIDR and serve on them", async ({ skip }) => {
    if (cluster.unavailable) return skip(cluster.unavailable);
    await apply(
      deployment("web", 2, {
        containers: [
          {
            name: "httpd",
            image: cluster.images.web,
            ports: [{ containerPort: 80 }],
            resources: { requests: { cpu: "50m", memory: "16Mi" }, limits: { cpu: "250m", memory: "64Mi" } },
          },
        ],
      }),
    );
    const pods = await eventually("2 web pods Running", async () => {
      const p = await podsOf("web");
      return p.length === 2 && p.every((x) => x.status?.phase === "Running" && x.status.podIP) ? p : undefined;
    });
    const node = await cluster.client.get<Obj>(`/api/v1/nodes/${NODE}`);
    const podCIDR = (node.spec as { podCIDR: string }).podCIDR;
    const ips = pods.map((p) => p.status?.podIP ?? "");
    expect(new Set(ips).size).toBe(2);
    for (const ip of ips) expect(inCidr(ip, podCIDR), `${ip} in ${podCIDR}`).toBe(true);
    for (const ip of ips)
      expect(cluster.netns!.exec("curl", ["-s", "-m", "5", `http://${ip}/`])).toBe("hello from web\n");
    expect(pods[0]?.status?.podIPs).toEqual([{ ip: ips[0] }]);
  });

  it("lets a pod reach another pod by its IP; kubectl logs shows what it got", async ({ skip }) => {
    if (cluster.unavailable) return skip(cluster.unavailable);
    const target = (await podsOf("web"))[0]?.status?.podIP ?? "";
    await apply({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "client", labels: { app: "client" } },
      spec: {
        restartPolicy: "Never",
        containers: [
          {
            name: "nc",
            image: cluster.images.hello,
            // busybox wget crashes on these machines; nc speaks HTTP well enough.
            command: ["/bin/sh", "-c", `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc ${target} 80`],
          },
        ],
      },
    });
    await eventually("client Succeeded", async () => (await podsOf("client"))[0]?.status?.phase === "Succeeded");
    expect(await kubectl("logs", "client")).toContain("hello from web");
  });

  it("publishes a hostPort on the node", async ({ skip }) => {
    if (cluster.unavailable) return skip(cluster.unavailable);
    await apply(
      deployment("published", 1, {
        containers: [{ name: "httpd", image: cluster.images.web, ports: [{ containerPort: 80, hostPort: 18080 }] }],
      }),
    );
    await eventually("published Running", async () => (await podsOf("published"))[0]?.status?.phase === "Running");
    const node = await cluster.client.get<Obj>(`/api/v1/nodes/${NODE}`);
    const address = (node.status as { addresses: { type: string; address: string }[] }).addresses.find(
      (a) => a.type === "InternalIP",
    )?.address;
    const body = await eventually("hostPort answers", async () => {
      try {
        return cluster.netns!.exec("curl", ["-s", "-m", "5", `http://${address ?? "127.0.0.1"}:18080/`]);
      } catch {
        return cluster.netns!.exec("curl", ["-s", "-m", "5", "http://127.0.0.1:18080/"]);
      }
    });
    expect(body).toBe("hello from web\n");
  });

  it("runs WebAssembly pods in network namespaces of their own: two serve one port on their pod IPs, a Service and a hostPort reach them, deleted they leave nothing", async ({
    skip,
  }) => {
    if (cluster.unavailable) return skip(cluster.unavailable);
    const registry = cluster.registry?.available ? cluster.registry.host : "";
    await pushWasmArtifact(registry, "kflare-test/wasm-http", "1", await readFile((await wasmFixtures()).httpHello));
    const image = `${registry}/kflare-test/wasm-http:1`;
    const links = () => cluster.netns!.exec("ip", ["-o", "link"]).trim().split("\n").length;
    const baseline = links();
    const component = (ports: object[]) => ({ runtimeClassName: "wasm", containers: [{ name: "http", image, ports }] });
    await apply(deployment("wasm-web", 2, component([{ containerPort: 8080 }])));
    await apply(deployment("wasm-published", 1, component([{ containerPort: 8080, hostPort: 18081 }])));
    await apply({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "wasm-web" },
      spec: { selector: { app: "wasm-web" }, ports: [{ port: 80, targetPort: 8080 }] },
    });
    const sandboxes = join(runtimeStateDir(cluster.agentDir), "wasm", "sandboxes");
    let ips: string[] = [];
    let holders: (number | undefined)[] = [];
    try {
      const pods = await eventually("2 wasm-web pods Running", async () => {
        const p = await podsOf("wasm-web");
        return p.length === 2 && p.every((x) => x.status?.phase === "Running" && x.status.podIP) ? p : undefined;
      });
      const node = await cluster.client.get<Obj>(`/api/v1/nodes/${NODE}`);
      const podCIDR = (node.spec as { podCIDR: string }).podCIDR;
      ips = pods.map((p) => p.status?.podIP ?? "");
      expect(new Set(ips).size).toBe(2);
      for (const ip of ips) expect(inCidr(ip, podCIDR), `${ip} in ${podCIDR}`).toBe(true);
      const get = (url: string) => cluster.netns!.exec("curl", ["-s", "-m", "5", url]);
      for (const ip of ips)
        expect(await eventually(`${ip}:8080 answers`, async () => get(`http://${ip}:8080/`) || undefined)).toBe(
          "hello from wasi:http /\n",
        );
      const service = await cluster.client.get<Obj>("/api/v1/namespaces/default/services/wasm-web");
      const clusterIP = (service.spec as { clusterIP: string }).clusterIP;
      expect(
        await eventually("the ClusterIP answers", async () => get(`http://${clusterIP}/via-service`) || undefined),
      ).toBe("hello from wasi:http /via-service\n");
      await eventually(
        "wasm-published Running",
        async () => (await podsOf("wasm-published"))[0]?.status?.phase === "Running",
      );
      const address = (node.status as { addresses: { type: string; address: string }[] }).addresses.find(
        (a) => a.type === "InternalIP",
      )?.address;
      expect(
        await eventually("the hostPort answers", async () => get(`http://${address}:18081/published`) || undefined),
      ).toBe("hello from wasi:http /published\n");
      // Each sandbox's namespace is held by a process of its own, as a pause container holds a pod's.
      holders = readdirSync(sandboxes).map(
        (f) => (JSON.parse(readFileSync(join(sandboxes, f), "utf8")) as { netns?: { pid: number } }).netns?.pid,
      );
      expect(holders).toHaveLength(3);
      for (const pid of holders) expect(readFileSync(`/proc/${pid}/comm`, "utf8").trim()).toBe("sleep");
    } finally {
      // Also when an assertion failed: the later tests count pods and links.
      await kubectl("delete", "service", "wasm-web", "--ignore-not-found", "--wait=true");
      await kubectl("delete", "deployment", "wasm-web", "wasm-published", "--ignore-not-found", "--wait=true");
    }
    await eventually(
      "wasm pods gone",
      async () => (await podsOf("wasm-web")).length + (await podsOf("wasm-published")).length === 0,
    );
    await eventually("wasm sandboxes removed", async () => readdirSync(sandboxes).length === 0);
    for (const pid of holders) expect(isGuestAlive(pid ?? 0, undefined), `holder ${pid} gone`).toBe(false);
    const ipam = join(runtimeStateDir(cluster.agentDir), "cni-ipam", "kflare-pods");
    for (const ip of ips) expect(existsSync(join(ipam, ip)), `${ip} released`).toBe(false);
    expect(links()).toBe(baseline);
  });

  it("reports a container over its memory limit as OOMKilled (137)", async ({ skip }) => {
    if (cluster.unavailable) return skip(cluster.unavailable);
    await apply(
      deployment("hog", 1, {
        containers: [{ name: "hog", image: cluster.images.memoryhog, resources: { limits: { memory: "32Mi" } } }],
      }),
    );
    const terminated = await eventually("OOMKilled", async () => {
      const c = (await podsOf("hog"))[0]?.status?.containerStatuses?.[0];
      const t = c?.state?.terminated ?? c?.lastState?.terminated;
      return t?.reason === "OOMKilled" ? t : undefined;
    });
    expect(terminated.exitCode).toBe(137);
    // Gone before the next test: a hog restarting after its back-off would change the set of
    // running containers that the restart test compares.
    await kubectl("delete", "deployment", "hog", "--wait=true");
    await eventually(
      "no hog pod or container",
      async () => (await podsOf("hog")).length === 0 && !(await containers()).some((c) => c.startsWith("hog-")),
    );
  });

  it("restarts no container when the agent is stopped and started again", async ({ skip }) => {
    if (cluster.unavailable) return skip(cluster.unavailable);
    const running = await containers();
    expect(running.filter((c) => c.startsWith("web-"))).toHaveLength(2);
    await cluster.stopAgent();
    // The containers outlive the agent: containerd and its shims keep them. The agent is started
    // again whatever this finds, so that a failure here does not leave the later tests without a node.
    const whileStopped = await containers();
    cluster.startAgent(["run"]);
    expect(whileStopped).toEqual(running);
    await eventually("adopted containerd", async () => /adopted containerd \(pid \d+/.test(cluster.agentOut));
    await eventually(
      "connected again",
      async () =>
        cluster.agentOut.lastIndexOf("connected to the control plane") >
        cluster.agentOut.lastIndexOf("adopted containerd"),
    );
    // Let the agent sync its pods; nothing may be restarted.
    await eventually("pods reported after restart", async () => {
      const pods = await podsOf("web");
      return pods.every((p) => p.status?.containerStatuses?.[0]?.restartCount === 0 && p.status.phase === "Running");
    });
    expect(await containers()).toEqual(running);
  });

  it("mounts configMap, secret, emptyDir (also in memory), downwardAPI, projected and subPath volumes", async ({
    skip,
  }) => {
    if (cluster.unavailable) return skip(cluster.unavailable);
    await apply({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "settings" },
      data: { greeting: "hello from a configmap", "app.conf": "mode=fast" },
    });
    await apply({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "creds" },
      stringData: { password: "s3cret-value" },
    });
    const script = [
      "echo greeting=$(cat /etc/settings/greeting)",
      "echo items=$(ls /etc/items)",
      "echo conf=$(cat /etc/items/renamed.conf)",
      "echo password=$(cat /etc/creds/password)",
      "echo secretmode=$(stat -L -c %a /etc/creds/password)",
      "echo scratch=$(echo kept > /scratch/f && cat /scratch/f)",
      "echo memory=$(grep ' /fast ' /proc/mounts | cut -d' ' -f3)",
      "echo labels=$(cat /etc/podinfo/labels)",
      "echo projected=$(cat /etc/projected/greeting)/$(cat /etc/projected/name)",
      "echo subpath=$(cat /app/app.conf)",
      "touch /etc/settings/new 2>/dev/null && echo readonly=no || echo readonly=yes",
    ].join("; ");
    await apply({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "volumes", labels: { app: "volumes", tier: "test" } },
      spec: {
        restartPolicy: "Never",
        containers: [
          {
            name: "main",
            image: cluster.images.hello,
            command: ["/bin/sh", "-c", script],
            volumeMounts: [
              { name: "settings", mountPath: "/etc/settings", readOnly: true },
              { name: "items", mountPath: "/etc/items" },
              { name: "creds", mountPath: "/etc/creds" },
              { name: "scratch", mountPath: "/scratch" },
              { name: "fast", mountPath: "/fast" },
              { name: "podinfo", mountPath: "/etc/podinfo" },
              { name: "projected", mountPath: "/etc/projected" },
              { name: "settings", mountPath: "/app/app.conf", subPath: "app.conf" },
            ],
          },
        ],
        volumes: [
          { name: "settings", configMap: { name: "settings" } },
          { name: "items", configMap: { name: "settings", items: [{ key: "app.conf", path: "renamed.conf" }] } },
          { name: "creds", secret: { secretName: "creds", defaultMode: 0o400 } },
          { name: "scratch", emptyDir: {} },
          { name: "fast", emptyDir: { medium: "Memory" } },
          {
            name: "podinfo",
            downwardAPI: { items: [{ path: "labels", fieldRef: { fieldPath: "metadata.labels['tier']" } }] },
          },
          {
            name: "projected",
            projected: {
              sources: [
                { configMap: { name: "settings", items: [{ key: "greeting", path: "greeting" }] } },
                { downwardAPI: { items: [{ path: "name", fieldRef: { fieldPath: "metadata.name" } }] } },
              ],
            },
          },
        ],
      },
    });
    await eventually("volumes pod Succeeded", async () => (await podsOf("volumes"))[0]?.status?.phase === "Succeeded");
    const logs = await kubectl("logs", "volumes");
    expect(logs.trim().split("\n")).toEqual([
      "greeting=hello from a configmap",
      "items=renamed.conf",
      "conf=mode=fast",
      "password=s3cret-value",
      "secretmode=400",
      "scratch=kept",
      "memory=tmpfs",
      "labels=test",
      "projected=hello from a configmap/volumes",
      "subpath=mode=fast",
      "readonly=yes",
    ]);
    // The secret's value is in the pod's own output only, never in the agent's.
    expect(cluster.agentOut).not.toContain("s3cret-value");
    await kubectl("delete", "pod", "volumes", "--wait=true");
  });

  it("reports what a container wrote to its termination message file, or its log tail on error", async ({ skip }) => {
    if (cluster.unavailable) return skip(cluster.unavailable);
    const pod = (name: string, script: string, extra: Record<string, unknown> = {}) => ({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name, labels: { app: name } },
      spec: {
        restartPolicy: "Never",
        containers: [{ name: "main", image: cluster.images.hello, command: ["/bin/sh", "-c", script], ...extra }],
      },
    });
    await apply(pod("said", "echo 'all done: 42 items' > /dev/termination-log; exit 3"));
    await apply(
      pod("fallback", "echo 'first line'; echo 'it broke here'; exit 1", {
        terminationMessagePolicy: "FallbackToLogsOnError",
      }),
    );
    const terminated = async (name: string) =>
      eventually(
        `${name} terminated`,
        async () => (await podsOf(name))[0]?.status?.containerStatuses?.[0]?.state?.terminated,
      );
    expect(await terminated("said")).toMatchObject({ exitCode: 3, reason: "Error", message: "all done: 42 items\n" });
    expect(await terminated("fallback")).toMatchObject({ exitCode: 1, message: "first line\nit broke here\n" });
    await kubectl("delete", "pod", "said", "fallback", "--wait=true");
  });

  it("stops and removes the containers of deleted pods", async ({ skip }) => {
    if (cluster.unavailable) return skip(cluster.unavailable);
    await kubectl("delete", "deployment", "web", "published", "--wait=true");
    await kubectl("delete", "pod", "client", "--wait=true");
    await eventually("no containers left", async () => (await containers()).length === 0);
    await eventually(
      "no pods left",
      async () => (await cluster.client.get<{ items: Obj[] }>("/api/v1/namespaces/default/pods")).items.length === 0,
    );
  });

  it("leaves nothing behind after 100 pods created and deleted: containers, sandboxes, netns, addresses, cgroups, veths", async ({
    skip,
  }) => {
    if (cluster.unavailable) return skip(cluster.unavailable);
    const links = () => cluster.netns!.exec("ip", ["-o", "link"]).trim().split("\n").length;
    const baseline = links();
    const cycle = deployment("cycle", 0, {
      terminationGracePeriodSeconds: 0,
      containers: [
        { name: "main", image: cluster.images.ticker, resources: { requests: { cpu: "1m", memory: "1Mi" } } },
      ],
    });
    await apply(cycle);
    for (let round = 0; round < 5; round++) {
      await kubectl("scale", "deployment", "cycle", "--replicas=20");
      await eventually(
        `round ${round}: 20 Running`,
        async () => (await podsOf("cycle")).filter((p) => p.status?.phase === "Running").length === 20,
        120_000,
      );
      await kubectl("scale", "deployment", "cycle", "--replicas=0");
      await eventually(
        `round ${round}: all gone`,
        async () =>
          (await cluster.client.get<{ items: Obj[] }>("/api/v1/namespaces/default/pods?labelSelector=app%3Dcycle"))
            .items.length === 0,
        120_000,
      );
    }
    await kubectl("delete", "deployment", "cycle", "--wait=true");
    await eventually("no containers", async () => (await containers()).length === 0);
    const runtime = new CriRuntime({ socket: containerdLayout(cluster.agentDir).socket, cgroupDriver: "cgroupfs" });
    try {
      await eventually("no sandboxes", async () => (await runtime.listPodSandboxes()).length === 0);
    } finally {
      await runtime.close();
    }
    const cniNetns = existsSync("/run/netns") ? readdirSync("/run/netns").filter((n) => n.startsWith("cni-")) : [];
    expect(cniNetns).toEqual([]);
    const ipam = join(runtimeStateDir(cluster.agentDir), "cni-ipam", "kflare-pods");
    expect(existsSync(ipam) ? readdirSync(ipam).filter((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f)) : []).toEqual([]);
    // A pod's cgroup goes once its last process has left, which can trail the sandbox's removal.
    const kubepods = "/sys/fs/cgroup/memory/kubepods";
    const podCgroups = () => (existsSync(kubepods) ? readdirSync(kubepods).filter((f) => f.startsWith("pod")) : []);
    await eventually("no pod cgroups", async () => podCgroups().length === 0, 15_000).catch(() => undefined);
    expect(podCgroups()).toEqual([]);
    // Every pod's veth went with it: the namespace has its loopback and the bridge, as before.
    expect(links()).toBe(baseline);
  });

  it("left the machine's own firewall rules and links as they were", async ({ skip }) => {
    if (cluster.unavailable || cluster.before === undefined) return skip(cluster.unavailable ?? "no snapshot");
    expect(hostNetworkSnapshot()).toEqual(cluster.before);
  });
});
