import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../../schemas/object.ts";
import { RESOURCES, type ResourceType, resourceFor } from "../../../schemas/registry.ts";
import { partialObjectMetadata, printerFor, toTable } from "./index.ts";
import { NOW, obj } from "./testing.ts";

function resource(group: string, version: string, plural: string): ResourceType {
  const r = resourceFor(group, version, plural);
  if (!r) throw new Error(`no resource ${group}/${version}/${plural}`);
  return r;
}

const pods = resource("", "v1", "pods");
const managed = [{ manager: "kubectl", operation: "Apply" as const, fieldsType: "FieldsV1" as const, fieldsV1: {} }];
const nginx = obj(
  "v1",
  "Pod",
  {
    spec: { containers: [{ name: "nginx", image: "nginx" }], nodeName: "node-1" },
    status: {
      phase: "Running",
      podIPs: [{ ip: "10.244.0.5" }],
      containerStatuses: [{ name: "nginx", ready: true, restartCount: 0, state: { running: {} } }],
    },
  },
  {
    name: "nginx",
    labels: { app: "nginx" },
    uid: "u-1",
    resourceVersion: "1006",
    creationTimestamp: new Date(NOW - 4000).toISOString(),
    managedFields: managed,
  },
);

describe("toTable", () => {
  it("builds the Table kubectl expects, with PartialObjectMetadata rows by default", () => {
    const table = toTable(pods, [nginx], {
      includeObject: "Metadata",
      now: NOW,
      listMeta: { resourceVersion: "1006", continue: "" },
    });
    expect(table).toEqual({
      kind: "Table",
      apiVersion: "meta.k8s.io/v1",
      metadata: { resourceVersion: "1006" },
      columnDefinitions: expect.any(Array),
      rows: [
        {
          cells: ["nginx", "1/1", "Running", "0", "4s", "10.244.0.5", "node-1", "<none>", "<none>"],
          object: {
            kind: "PartialObjectMetadata",
            apiVersion: "meta.k8s.io/v1",
            metadata: {
              name: "nginx",
              namespace: "default",
              labels: { app: "nginx" },
              uid: "u-1",
              resourceVersion: "1006",
              creationTimestamp: new Date(NOW - 4000).toISOString(),
            },
          },
        },
      ],
    });
    expect(table.columnDefinitions?.[0]).toEqual({
      name: "Name",
      type: "string",
      format: "name",
      description: expect.any(String),
      priority: 0,
    });
    expect(table.columnDefinitions?.map((c) => c.name)).not.toContain("Namespace");
  });

  it("embeds the whole object for includeObject=Object and nothing for None", () => {
    const whole = toTable(pods, [nginx], { includeObject: "Object", now: NOW });
    expect(whole.rows[0]?.object).toBe(nginx);
    const none = toTable(pods, [nginx], { includeObject: "None", now: NOW });
    expect(none.rows[0]).toEqual({ cells: expect.any(Array) });
    expect("object" in (none.rows[0] ?? {})).toBe(false);
  });

  it("does not touch the stored object when dropping managedFields", () => {
    const partial = partialObjectMetadata(nginx);
    expect(partial.metadata.managedFields).toBeUndefined();
    expect(nginx.metadata.managedFields).toBe(managed);
  });

  it("copies the list metadata it is given, leaving out unset fields", () => {
    const t = toTable(pods, [], {
      includeObject: "Metadata",
      now: NOW,
      listMeta: { resourceVersion: "7", continue: "tok", remainingItemCount: 12 },
    });
    expect(t.metadata).toEqual({ resourceVersion: "7", continue: "tok", remainingItemCount: 12 });
    expect(t.rows).toEqual([]);
    expect(toTable(pods, [], { includeObject: "Metadata", now: NOW }).metadata).toEqual({});
  });

  it("takes a single object's resourceVersion when no list metadata is given (GET, watch events)", () => {
    expect(toTable(pods, [nginx], { includeObject: "Metadata", now: NOW }).metadata).toEqual({
      resourceVersion: "1006",
    });
  });

  it("omits columnDefinitions on watch events after the first", () => {
    const event = toTable(pods, [nginx], { includeObject: "Metadata", now: NOW, withColumns: false });
    expect("columnDefinitions" in event).toBe(false);
    expect(event.rows).toHaveLength(1);
  });

  it("hands out copies of the column definitions, so callers cannot corrupt the printer", () => {
    const t = toTable(pods, [], { includeObject: "None", now: NOW });
    const first = t.columnDefinitions?.[0];
    if (first) first.name = "changed";
    expect(printerFor(pods).columns[0]?.name).toBe("Name");
  });

  it("carries row conditions for finished pods", () => {
    const done: KubeObject = { ...nginx, status: { phase: "Succeeded" } };
    const t = toTable(pods, [done], { includeObject: "None", now: NOW });
    expect(t.rows[0]?.conditions?.[0]).toMatchObject({ type: "Completed", status: "True", reason: "Succeeded" });
  });

  it("serializes to the JSON shape of the wire capture", () => {
    const json = JSON.parse(JSON.stringify(toTable(pods, [nginx], { includeObject: "Metadata", now: NOW })));
    expect(Object.keys(json)).toEqual(["kind", "apiVersion", "metadata", "columnDefinitions", "rows"]);
    expect(json.columnDefinitions[5]).toEqual({
      name: "IP",
      type: "string",
      format: "",
      description: expect.any(String),
      priority: 1,
    });
  });
});

describe("printerFor", () => {
  it.each([
    ["", "v1", "pods", "Ready"],
    ["", "v1", "services", "Type"],
    ["", "v1", "nodes", "Status"],
    ["", "v1", "namespaces", "Status"],
    ["", "v1", "configmaps", "Data"],
    ["", "v1", "secrets", "Type"],
    ["", "v1", "serviceaccounts", "Age"],
    ["", "v1", "events", "Type"],
    ["events.k8s.io", "v1", "events", "Type"],
    ["apps", "v1", "deployments", "Ready"],
    ["apps", "v1", "replicasets", "Desired"],
    ["coordination.k8s.io", "v1", "leases", "Holder"],
    ["node.k8s.io", "v1", "runtimeclasses", "Handler"],
    ["rbac.authorization.k8s.io", "v1", "roles", "Created At"],
    ["rbac.authorization.k8s.io", "v1", "clusterroles", "Created At"],
    ["rbac.authorization.k8s.io", "v1", "rolebindings", "Role"],
    ["rbac.authorization.k8s.io", "v1", "clusterrolebindings", "Role"],
  ])("%s/%s %s has its own printer", (group, version, plural, second) => {
    expect(printerFor(resource(group, version, plural)).columns[1]?.name).toBe(second);
  });

  it("falls back to Name / Created At for anything else", () => {
    expect(printerFor({ group: "example.com", plural: "widgets" }).columns.map((c) => c.name)).toEqual([
      "Name",
      "Created At",
    ]);
  });

  it("prints an object without metadata instead of throwing", () => {
    const junk = { apiVersion: "v1", kind: "Pod" } as unknown as KubeObject;
    const t = toTable(pods, [junk], { includeObject: "Metadata", now: NOW });
    expect(t.rows[0]?.cells[0]).toBe("");
    expect(t.rows[0]?.object).toEqual({ kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: {} });
    expect(t.metadata).toEqual({});
  });

  it("prints every registered resource without throwing, even for bare objects", () => {
    for (const r of RESOURCES) {
      const bare = { apiVersion: r.group ? `${r.group}/${r.version}` : r.version, kind: r.kind, metadata: {} };
      const t = toTable(r, [bare], { includeObject: "Metadata", now: NOW });
      expect(t.rows[0]?.cells).toHaveLength(t.columnDefinitions?.length ?? -1);
    }
  });
});
