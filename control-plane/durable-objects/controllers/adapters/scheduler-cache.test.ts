import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../../../schemas/object.ts";
import type { Change } from "../../store/revision-log.ts";
import { SchedulerCache, slimPod } from "./scheduler-cache.ts";

const pod = (uid: string, nodeName?: string): KubeObject => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: uid, namespace: "default", uid, labels: { app: "a" }, annotations: { big: "x".repeat(1000) } },
  spec: {
    nodeName,
    containers: [{ name: "c", image: "i", env: [{ name: "A", value: "1" }], resources: { requests: { cpu: "1" } } }],
  },
  status: { phase: "Running", conditions: [] },
});

const change = (rv: number, type: Change["type"], value: KubeObject): Change => ({
  rv,
  resource: "pods",
  namespace: "default",
  name: value.metadata.name ?? "",
  type,
  value,
  prev: null,
});

describe("scheduler cache", () => {
  it("keeps only what scheduling reads of a pod", () => {
    const slim = slimPod(pod("a", "n1"));
    expect(slim.metadata).not.toHaveProperty("annotations");
    expect(slim.spec).toEqual({
      nodeName: "n1",
      containers: [{ name: "c", resources: { requests: { cpu: "1" } } }],
      initContainers: [],
    });
  });

  it("follows changes after its prime and ignores those it already has", () => {
    const cache = new SchedulerCache();
    cache.observe(change(1, "ADDED", pod("early", "n1")));
    expect(cache.pods.size).toBe(0);
    cache.prime(10, [pod("a", "n1"), pod("pending")], [], []);
    expect([...cache.pods.keys()]).toEqual(["a"]);
    cache.observe(change(9, "DELETED", pod("a", "n1")));
    expect([...cache.pods.keys()]).toEqual(["a"]);
    cache.observe(change(11, "MODIFIED", pod("pending", "n2")));
    cache.observe(change(12, "DELETED", pod("a", "n1")));
    expect([...cache.pods.keys()]).toEqual(["pending"]);
    cache.reset();
    expect(cache.primed).toBe(false);
  });

  it("catches up from the log when the host is behind, and then skips what the host hands it late", () => {
    const cache = new SchedulerCache();
    cache.prime(10, [], [], []);
    const log = [change(11, "MODIFIED", pod("a", "n1")), change(13, "MODIFIED", pod("b", "n1"))];
    const read: string[] = [];
    cache.catchUp(12, (resource, after) => {
      read.push(`${resource}>${after}`);
      return resource === "pods" ? log.filter((c) => c.rv > after) : [];
    });
    // Only up to the revision asked for; every followed resource read once.
    expect([...cache.pods.keys()]).toEqual(["a"]);
    expect(read).toEqual(["pods>10", "nodes>10", "runtimeclasses.node.k8s.io>10"]);
    expect(cache.revision).toBe(12);
    // Changes the host hands over late, up to the revision caught up to, are already in: skipped.
    cache.observe(change(12, "DELETED", pod("a", "n1")));
    expect([...cache.pods.keys()]).toEqual(["a"]);
    cache.observe(change(13, "MODIFIED", pod("b", "n1")));
    expect([...cache.pods.keys()].sort()).toEqual(["a", "b"]);
  });
});
