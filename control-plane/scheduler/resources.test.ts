import { describe, expect, it } from "vitest";
import type { PodSpec } from "../../schemas/core/pod-spec.ts";
import { podRequests, quantityValue } from "./resources.ts";

const container = (name: string, requests: Record<string, string>, restartPolicy?: string) => ({
  name,
  resources: { requests },
  ...(restartPolicy ? { restartPolicy } : {}),
});

describe("pod requests", () => {
  it.each([
    ["cpu", "100m", 100],
    ["cpu", "1.5", 1500],
    ["cpu", "1u", 1],
    ["memory", "128Mi", 128 * 1024 * 1024],
    ["memory", "1G", 1e9],
    ["memory", "0.5", 1],
    ["example.com/gpu", "2", 2],
  ])("%s %s = %d", (resource, text, value) => {
    expect(quantityValue(resource, text)).toBe(value);
  });

  it.each<[string, PodSpec, number, number]>([
    ["sums containers", { containers: [container("a", { cpu: "100m" }), container("b", { cpu: "200m" })] }, 300, 300],
    [
      "takes the largest init container",
      { containers: [container("a", { cpu: "100m" })], initContainers: [container("i", { cpu: "500m" })] },
      500,
      500,
    ],
    [
      "adds sidecars to the app and to later init containers",
      {
        containers: [container("a", { cpu: "100m" })],
        initContainers: [container("proxy", { cpu: "50m" }, "Always"), container("i", { cpu: "120m" })],
      },
      170,
      170,
    ],
    ["adds overhead", { containers: [container("a", { cpu: "100m" })], overhead: { cpu: "10m" } }, 110, 110],
    [
      "lets pod-level requests override",
      { containers: [container("a", { cpu: "100m" })], resources: { requests: { cpu: "1" } } },
      1000,
      1000,
    ],
    [
      "scores a container without requests as 100m",
      { containers: [container("a", {}), container("b", { cpu: "50m" })] },
      50,
      150,
    ],
  ])("%s", (_, spec, cpu, nonZeroCPU) => {
    const r = podRequests(spec, spec.overhead);
    expect([r.requests.milliCPU, r.nonZeroCPU]).toEqual([cpu, nonZeroCPU]);
  });

  it("scores a container without memory requests as 200Mi", () => {
    const r = podRequests({ containers: [container("a", { cpu: "1" })] }, undefined);
    expect([r.requests.memory, r.nonZeroMemory]).toEqual([0, 200 * 1024 * 1024]);
  });
});
