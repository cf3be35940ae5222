import { describe, expect, it } from "vitest";
import { DEFAULT_NODE_LIFECYCLE_CONFIG as CONFIG } from "./config.ts";
import { assessDisruption, taintRate, zoneKeyOf, zoneState } from "./disruption.ts";
import type { NodeObject } from "./health.ts";
import { node } from "./test-fixtures.ts";

describe("zoneState", () => {
  it.each([
    [["True", "True"], "Normal"],
    [["Unknown"], "FullDisruption"],
    [["Unknown", "False"], "FullDisruption"],
    [["True", "Unknown", "Unknown"], "Normal"],
    [["True", "Unknown", "Unknown", "Unknown"], "PartialDisruption"],
    [["True", "True", "Unknown", "Unknown", "Unknown"], "PartialDisruption"],
    [["True", "True", "True", "Unknown", "Unknown", "Unknown"], "Normal"],
    [[], "Normal"],
  ])("%j -> %s", (statuses, state) => {
    expect(zoneState(statuses, 0.55)).toBe(state);
  });
});

describe("taintRate", () => {
  it("stops small partially disrupted zones, slows large ones, and runs normally otherwise", () => {
    expect(taintRate("Normal", 3, CONFIG)).toBe(0.1);
    expect(taintRate("FullDisruption", 3, CONFIG)).toBe(0.1);
    expect(taintRate("PartialDisruption", 50, CONFIG)).toBe(0);
    expect(taintRate("PartialDisruption", 51, CONFIG)).toBe(0.01);
  });
});

describe("assessDisruption", () => {
  const zoned = (name: string, zone: string, ready: string) => ({
    node: node(name, { labels: { "topology.kubernetes.io/zone": zone } }) as NodeObject,
    ready,
  });

  it("is all-fully-disrupted only when every zone is", () => {
    expect(assessDisruption([zoned("a", "z1", "Unknown"), zoned("b", "z2", "True")], CONFIG)).toMatchObject({
      allFullyDisrupted: false,
      zones: new Map([
        [":\u0000:z1", "FullDisruption"],
        [":\u0000:z2", "Normal"],
      ]),
    });
    expect(assessDisruption([zoned("a", "z1", "Unknown"), zoned("b", "z2", "False")], CONFIG).allFullyDisrupted).toBe(
      true,
    );
    expect(assessDisruption([], CONFIG).allFullyDisrupted).toBe(false);
  });

  it("ignores nodes without a Ready condition and nodes excluded from disruption checks", () => {
    const excluded = node("x", { labels: { "node.kubernetes.io/exclude-disruption": "" } }) as NodeObject;
    const result = assessDisruption(
      [
        { node: node("a") as NodeObject, ready: "Unknown" },
        { node: node("b") as NodeObject, ready: undefined },
        { node: excluded, ready: "True" },
      ],
      CONFIG,
    );
    expect(result.allFullyDisrupted).toBe(true);
    expect(result.sizes.get("")).toBe(1);
  });

  it("keys zones by region and zone labels", () => {
    expect(zoneKeyOf(node("a") as NodeObject)).toBe("");
    const labels = { "topology.kubernetes.io/region": "home", "topology.kubernetes.io/zone": "attic" };
    expect(zoneKeyOf(node("a", { labels }) as NodeObject)).toBe("home:\u0000:attic");
  });
});
