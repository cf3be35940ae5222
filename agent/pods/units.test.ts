// Small pure pieces: back-off arithmetic, $(VAR) expansion, Go-style texts, cgroup numbers,
// registry credentials, and the phase table.

import { describe, expect, it } from "vitest";
import { Backoff } from "./backoff.ts";
import { expand } from "./expand.ts";
import { goDuration, goList } from "./go-format.ts";
import { imageTag } from "./images.ts";
import { findImageAuth, imageRepository } from "./pull-secrets.ts";
import { containerResources, milliCPUToQuota, milliCPUToShares } from "./resources.ts";
import { FakeClock } from "./testing/fake-clock.ts";
import { secret } from "./testing/fixtures.ts";

describe("Backoff", () => {
  it("doubles from the initial wait up to the cap, measured from the failure", () => {
    const clock = new FakeClock();
    const b = new Backoff(clock, { initialMs: 10_000, maxMs: 40_000 });
    const t = clock.now();
    expect(b.isInBackOffSince("k", t)).toBe(false);
    b.next("k", t);
    expect(b.delay("k")).toBe(10_000);
    expect(b.isInBackOffSince("k", t)).toBe(true);
    clock.advance(10_000);
    expect(b.isInBackOffSince("k", t)).toBe(false);
    for (const want of [20_000, 40_000, 40_000]) {
      b.next("k", clock.now());
      expect(b.delay("k")).toBe(want);
    }
    // Untouched for twice the cap: forgotten.
    clock.advance(80_001);
    b.next("k", clock.now());
    expect(b.delay("k")).toBe(10_000);
    expect(b.isInBackOffSinceUpdate("k")).toBe(true);
  });
});

describe("$(VAR) expansion", () => {
  const vars = new Map([
    ["A", "1"],
    ["B", "two"],
  ]);
  const lookup = (n: string) => vars.get(n);
  it.each([
    ["$(A)-$(B)", "1-two"],
    ["$(MISSING)", "$(MISSING)"],
    ["$$(A)", "$(A)"],
    ["$$", "$"],
    ["a$b", "a$b"],
    ["$(A", "$(A"],
    ["end$", "end$"],
    ["$(A)$(A)", "11"],
    ["$()", "$()"],
  ])("%s -> %s", (input, output) => {
    expect(expand(input, lookup)).toBe(output);
  });
});

describe("Go-style texts", () => {
  it.each([
    [0, "0s"],
    [500, "500ms"],
    [10_000, "10s"],
    [80_000, "1m20s"],
    [300_000, "5m0s"],
    [1_500, "1.5s"],
    [3_723_000, "1h2m3s"],
  ])("%d ms is %s", (ms, text) => {
    expect(goDuration(ms)).toBe(text);
  });
  it("lists like %s of a []string", () => {
    expect(goList(["a", "b"])).toBe("[a b]");
  });
});

describe("cgroup numbers", () => {
  it("maps requests.cpu to shares and limits.cpu to a quota per 100 ms, as upstream", () => {
    expect(milliCPUToShares(0)).toBe(2);
    expect(milliCPUToShares(1)).toBe(2);
    expect(milliCPUToShares(100)).toBe(102);
    expect(milliCPUToShares(1000)).toBe(1024);
    expect(milliCPUToQuota(0)).toBe(0);
    expect(milliCPUToQuota(5)).toBe(1000);
    expect(milliCPUToQuota(250)).toBe(25_000);
    expect(containerResources({ resources: { limits: { cpu: "2", memory: "1Gi" } } })).toEqual({
      cpuShares: 2048,
      cpuQuotaMicros: 200_000,
      cpuPeriodMicros: 100_000,
      memoryLimitBytes: 1_073_741_824,
    });
    expect(containerResources({})).toEqual({ cpuShares: 2 });
  });
});

describe("images", () => {
  it("names the tag, and the repository with Docker Hub's defaults", () => {
    expect(imageTag("nginx")).toBe("latest");
    expect(imageTag("localhost:5000/app")).toBe("latest");
    expect(imageTag("nginx:1.27")).toBe("1.27");
    expect(imageTag("nginx@sha256:abc")).toBe("");
    expect(imageRepository("nginx:1")).toBe("docker.io/library/nginx");
    expect(imageRepository("team/app")).toBe("docker.io/team/app");
    expect(imageRepository("ghcr.io/a/b:2")).toBe("ghcr.io/a/b");
  });

  it("picks the longest matching registry entry from pull secrets", () => {
    const cfg = (auths: Record<string, { auth: string }>) =>
      secret("s", { ".dockerconfigjson": JSON.stringify({ auths }) }, "default", "kubernetes.io/dockerconfigjson");
    const secrets = [
      cfg({
        "https://index.docker.io/v1/": { auth: "hub" },
        "ghcr.io": { auth: "gh" },
        "ghcr.io/team": { auth: "team" },
      }),
    ];
    expect(findImageAuth("nginx", secrets)).toEqual({ auth: "hub" });
    expect(findImageAuth("ghcr.io/other/x:1", secrets)).toEqual({ auth: "gh" });
    expect(findImageAuth("ghcr.io/team/x:1", secrets)).toEqual({ auth: "team" });
    expect(findImageAuth("quay.io/x", secrets)).toBeUndefined();
    expect(findImageAuth("a.example.com/x", [cfg({ "*.example.com": { auth: "wild" } })])).toEqual({ auth: "wild" });
  });
});
