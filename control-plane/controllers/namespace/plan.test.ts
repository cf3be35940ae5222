import { describe, expect, it } from "vitest";
import type { NamespaceCondition } from "../../../schemas/core/namespace.ts";
import type { KubeObject } from "../../../schemas/object.ts";
import { type Action, NAMESPACES, PODS, type ResourceRef } from "../types.ts";
import { type NamespaceContent, planNamespaceDeletion } from "./plan.ts";

const DELETED_AT = Date.parse("2026-03-01T10:00:00Z");
const NOW = DELETED_AT + 2_000;
const STAMP = "2026-03-01T10:00:02Z";
const CONFIGMAPS: ResourceRef = { group: "", version: "v1", plural: "configmaps" };
const WIDGETS: ResourceRef = { group: "example.com", version: "v1", plural: "widgets" };

function namespace(extra: { conditions?: NamespaceCondition[]; finalizers?: string[]; deleting?: boolean } = {}) {
  const ns: KubeObject = {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name: "shop", uid: "ns-uid", resourceVersion: "10" },
    spec: { finalizers: extra.finalizers ?? ["kubernetes"] },
    status: { phase: extra.deleting === false ? "Active" : "Terminating" },
  };
  if (extra.deleting !== false) ns.metadata.deletionTimestamp = "2026-03-01T10:00:00Z";
  if (extra.conditions) ns.status = { phase: "Terminating", conditions: extra.conditions };
  return ns;
}

function item(
  resource: ResourceRef,
  kind: string,
  name: string,
  extra: Record<string, unknown> = {},
): NamespaceContent {
  const object: KubeObject = {
    apiVersion: "v1",
    kind,
    metadata: { name, namespace: "shop", uid: `${name}-uid` },
    ...extra,
  };
  return { resource, object };
}

function del(c: NamespaceContent): Action {
  const { name, uid } = c.object.metadata;
  return {
    type: "delete",
    resource: c.resource,
    namespace: "shop",
    name: name ?? "",
    uid,
    propagationPolicy: "Background",
  };
}

const OK_CONDITIONS: NamespaceCondition[] = [
  {
    type: "NamespaceDeletionDiscoveryFailure",
    status: "False",
    reason: "ResourcesDiscovered",
    message: "All resources successfully discovered",
    lastTransitionTime: STAMP,
  },
  {
    type: "NamespaceDeletionGroupVersionParsingFailure",
    status: "False",
    reason: "ParsedGroupVersions",
    message: "All legacy kube types successfully parsed",
    lastTransitionTime: STAMP,
  },
  {
    type: "NamespaceDeletionContentFailure",
    status: "False",
    reason: "ContentDeleted",
    message: "All content successfully deleted, may be waiting on finalization",
    lastTransitionTime: STAMP,
  },
  {
    type: "NamespaceContentRemaining",
    status: "False",
    reason: "ContentRemoved",
    message: "All content successfully removed",
    lastTransitionTime: STAMP,
  },
  {
    type: "NamespaceFinalizersRemaining",
    status: "False",
    reason: "ContentRemoved",
    message: "All content successfully removed",
    lastTransitionTime: STAMP,
  },
];

function withStatus(ns: KubeObject, conditions: NamespaceCondition[]): KubeObject {
  return { ...ns, status: { phase: "Terminating", conditions } };
}

describe("planNamespaceDeletion", () => {
  const configMap = item(CONFIGMAPS, "ConfigMap", "settings");
  const runningPod = item(PODS, "Pod", "web", { spec: { nodeName: "pi-1", terminationGracePeriodSeconds: 30 } });
  const widget = item(WIDGETS, "Widget", "w", {});
  widget.object.metadata.finalizers = ["example.com/cleanup"];

  it("does nothing for a namespace that is not being deleted, or already finalized", () => {
    expect(
      planNamespaceDeletion({ namespace: namespace({ deleting: false }), contents: [configMap], now: NOW }),
    ).toEqual([]);
    expect(planNamespaceDeletion({ namespace: namespace({ finalizers: [] }), contents: [], now: NOW })).toEqual([]);
  });

  it("deletes the content, reports what remains, and waits half the longest pod grace period", () => {
    const ns = namespace();
    const contents = [configMap, runningPod, widget];
    const snapshot = structuredClone(contents);
    const remaining = OK_CONDITIONS.map((c) => {
      if (c.type === "NamespaceContentRemaining") {
        return {
          ...c,
          status: "True",
          reason: "SomeResourcesRemain",
          message:
            "Some resources are remaining: pods. has 1 resource instances, widgets.example.com has 1 resource instances",
        };
      }
      if (c.type === "NamespaceFinalizersRemaining") {
        return {
          ...c,
          status: "True",
          reason: "SomeFinalizerRemain",
          message: "Some finalizers are remaining: example.com/cleanup in 1 resource instances",
        };
      }
      return c;
    });
    expect(planNamespaceDeletion({ namespace: ns, contents, now: NOW })).toEqual([
      del(configMap),
      del(runningPod),
      del(widget),
      { type: "updateStatus", resource: NAMESPACES, object: withStatus(ns, remaining) },
      { type: "requeue", afterMs: 16_000 },
    ]);
    expect(contents).toEqual(snapshot);
  });

  it("waits 15 s for finalizers once the pods' grace period has passed, and does not delete twice", () => {
    const going = structuredClone(widget);
    going.object.metadata.deletionTimestamp = "2026-03-01T10:00:00Z";
    const actions = planNamespaceDeletion({ namespace: namespace(), contents: [going], now: DELETED_AT + 60_000 });
    expect(actions.filter((a) => a.type === "delete")).toEqual([]);
    expect(actions.at(-1)).toEqual({ type: "requeue", afterMs: 8_000 });
  });

  it("content that vanishes at once: all-clear conditions now, a recheck soon", () => {
    const ns = namespace();
    const pending = item(PODS, "Pod", "pending", { spec: {} });
    expect(planNamespaceDeletion({ namespace: ns, contents: [configMap, pending], now: NOW })).toEqual([
      del(configMap),
      del(pending),
      { type: "updateStatus", resource: NAMESPACES, object: withStatus(ns, OK_CONDITIONS) },
      { type: "requeue", afterMs: 1_000 },
    ]);
  });

  it("empty, but the conditions still say otherwise: update them first", () => {
    const stale = OK_CONDITIONS.map((c) =>
      c.type === "NamespaceContentRemaining"
        ? {
            ...c,
            status: "True",
            reason: "SomeResourcesRemain",
            message: "Some resources are remaining: pods. has 1 resource instances",
          }
        : c,
    );
    const ns = namespace({ conditions: stale });
    const later = DELETED_AT + 30_000;
    const fixed = OK_CONDITIONS.map((c) =>
      c.type === "NamespaceContentRemaining" ? { ...c, lastTransitionTime: "2026-03-01T10:00:30Z" } : c,
    );
    expect(planNamespaceDeletion({ namespace: ns, contents: [], now: later })).toEqual([
      { type: "updateStatus", resource: NAMESPACES, object: withStatus(ns, fixed) },
      { type: "requeue", afterMs: 1_000 },
    ]);
  });

  it("keeps lastTransitionTime when only the message changes", () => {
    const before = OK_CONDITIONS.map((c) =>
      c.type === "NamespaceContentRemaining"
        ? {
            ...c,
            status: "True",
            reason: "SomeResourcesRemain",
            message: "Some resources are remaining: pods. has 2 resource instances",
          }
        : c,
    );
    const ns = namespace({ conditions: before });
    const actions = planNamespaceDeletion({ namespace: ns, contents: [runningPod], now: DELETED_AT + 90_000 });
    const update = actions.find((a) => a.type === "updateStatus");
    if (update?.type !== "updateStatus") throw new Error("expected a status update");
    const condition = (update.object.status as { conditions: NamespaceCondition[] }).conditions[3];
    expect(condition).toEqual({
      ...before[3],
      message: "Some resources are remaining: pods. has 1 resource instances",
    });
  });

  it("empty with all-clear conditions: removes the kubernetes finalizer (others kept)", () => {
    const ns = namespace({ conditions: OK_CONDITIONS, finalizers: ["kubernetes", "example.com/z", "example.com/a"] });
    expect(planNamespaceDeletion({ namespace: ns, contents: [], now: NOW })).toEqual([
      {
        type: "update",
        resource: NAMESPACES,
        object: { ...ns, spec: { finalizers: ["example.com/a", "example.com/z"] } },
      },
    ]);
    const only = namespace({ conditions: OK_CONDITIONS });
    expect(planNamespaceDeletion({ namespace: only, contents: [], now: NOW })).toEqual([
      { type: "update", resource: NAMESPACES, object: { ...only, spec: {} } },
    ]);
  });

  it("leaves other finalizers alone once its own is gone", () => {
    const ns = namespace({ conditions: OK_CONDITIONS, finalizers: ["example.com/a"] });
    expect(planNamespaceDeletion({ namespace: ns, contents: [], now: NOW })).toEqual([]);
  });
});
