import { describe, expect, it } from "vitest";
import { eventPrinter } from "./events.ts";
import { ago, HOUR, MINUTE, NOW, obj } from "./testing.ts";

const core = (fields: Record<string, unknown>) => obj("v1", "Event", fields, { name: "web-1.17f2a" });
const modern = (fields: Record<string, unknown>) => obj("events.k8s.io/v1", "Event", fields, { name: "web-1.17f2a" });

describe("event printer", () => {
  it.each([
    [
      "core event from the kubelet",
      core({
        involvedObject: { kind: "Pod", name: "web-1", fieldPath: "spec.containers{app}" },
        reason: "Pulled",
        type: "Normal",
        message: '  Successfully pulled image "nginx"\n',
        source: { component: "kubelet", host: "pi-1" },
        firstTimestamp: ago(3 * HOUR),
        lastTimestamp: ago(2 * MINUTE),
        count: 4,
      }),
      [
        "2m",
        "Normal",
        "Pulled",
        "pod/web-1",
        "spec.containers{app}",
        "kubelet, pi-1",
        'Successfully pulled image "nginx"',
        "3h",
        4,
        "web-1.17f2a",
      ],
    ],
    [
      "core event without lastTimestamp repeats first seen; count 0 reads 1",
      core({
        involvedObject: { kind: "Node", name: "pi-1" },
        reason: "NodeReady",
        type: "Normal",
        message: "ready",
        source: { component: "node-controller" },
        firstTimestamp: ago(90_000),
      }),
      ["90s", "Normal", "NodeReady", "node/pi-1", "", "node-controller", "ready", "90s", 1, "web-1.17f2a"],
    ],
    [
      "new-style event written through core/v1: eventTime, reporting fields, series",
      core({
        involvedObject: { kind: "Deployment", name: "web" },
        reason: "ScalingReplicaSet",
        type: "Normal",
        message: "Scaled up",
        eventTime: ago(10 * MINUTE),
        reportingComponent: "deployment-controller",
        reportingInstance: "kflare",
        series: { count: 6, lastObservedTime: ago(30_000) },
      }),
      [
        "30s",
        "Normal",
        "ScalingReplicaSet",
        "deployment/web",
        "",
        "deployment-controller, kflare",
        "Scaled up",
        "10m",
        6,
        "web-1.17f2a",
      ],
    ],
    [
      "events.k8s.io/v1 event: regarding and note",
      modern({
        regarding: { kind: "Pod", name: "web-1", fieldPath: "spec.containers{app}" },
        reason: "BackOff",
        type: "Warning",
        note: "Back-off restarting failed container",
        eventTime: ago(20 * MINUTE),
        reportingController: "kubelet",
        reportingInstance: "pi-1",
        series: { count: 12, lastObservedTime: ago(5_000) },
      }),
      [
        "5s",
        "Warning",
        "BackOff",
        "pod/web-1",
        "spec.containers{app}",
        "kubelet, pi-1",
        "Back-off restarting failed container",
        "20m",
        12,
        "web-1.17f2a",
      ],
    ],
    [
      "events.k8s.io/v1 event with deprecated fields",
      modern({
        regarding: { kind: "Pod", name: "web-1" },
        reason: "Killing",
        type: "Normal",
        note: "Stopping container app",
        deprecatedFirstTimestamp: ago(HOUR),
        deprecatedLastTimestamp: ago(MINUTE * 3),
        deprecatedCount: 2,
        deprecatedSource: { component: "kubelet", host: "pi-2" },
      }),
      ["3m", "Normal", "Killing", "pod/web-1", "", "kubelet, pi-2", "Stopping container app", "60m", 2, "web-1.17f2a"],
    ],
    [
      "object without a name prints the kind alone; no times at all",
      core({ involvedObject: { kind: "Cluster" }, reason: "Boot", type: "Normal", message: "up" }),
      ["<unknown>", "Normal", "Boot", "cluster", "", "", "up", "<unknown>", 1, "web-1.17f2a"],
    ],
    [
      "series without lastObservedTime",
      core({ involvedObject: { kind: "Pod", name: "a" }, firstTimestamp: ago(MINUTE * 2), series: { count: 3 } }),
      ["<unknown>", "", "", "pod/a", "", "", "", "2m", 3, "web-1.17f2a"],
    ],
  ])("%s", (_name, ev, cells) => {
    expect(eventPrinter.print(ev, NOW).cells).toEqual(cells);
  });

  it("has upstream's columns: Object in the default view, the rest wide; Name last and wide", () => {
    expect(eventPrinter.columns.map((c) => `${c.name}:${c.priority}${c.format ? `:${c.format}` : ""}`)).toEqual([
      "Last Seen:0",
      "Type:0",
      "Reason:0",
      "Object:0",
      "Subobject:1",
      "Source:1",
      "Message:0",
      "First Seen:1",
      "Count:1",
      "Name:1:name",
    ]);
  });
});
