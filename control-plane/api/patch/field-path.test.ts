import { expect, it } from "vitest";
import { fromFieldsV1, keyElement, pathKey, pathString, toFieldsV1 } from "./field-path.ts";

it("round-trips FieldsV1, writing `.` first and fields before keys and values", () => {
  const tree = {
    "f:metadata": { "f:finalizers": { ".": {}, 'v:"b"': {}, 'v:"a"': {} }, "f:labels": { "f:app": {} } },
    "f:spec": {
      "f:containers": {
        'k:{"name":"web"}': { ".": {}, "f:image": {}, "f:name": {} },
      },
      "f:replicas": {},
    },
  };
  const set = fromFieldsV1(tree);
  expect(set.has(pathKey(["f:spec", "f:replicas"]))).toBe(true);
  expect(set.has(pathKey(["f:spec", "f:containers", 'k:{"name":"web"}']))).toBe(true);
  expect(set.has(pathKey(["f:spec", "f:containers"]))).toBe(false);
  const written = toFieldsV1(set);
  expect(written).toEqual(tree);
  expect(JSON.stringify(written)).toBe(
    '{"f:metadata":{"f:finalizers":{".":{},"v:\\"a\\"":{},"v:\\"b\\"":{}},"f:labels":{"f:app":{}}},' +
      '"f:spec":{"f:containers":{"k:{\\"name\\":\\"web\\"}":{".":{},"f:image":{},"f:name":{}}},"f:replicas":{}}}',
  );
});

it("names keyed elements by their sorted key fields, with schema defaults", () => {
  const meta = {
    mergeKey: "containerPort",
    listMapKeys: ["protocol", "containerPort"],
    keyDefaults: { protocol: "TCP" },
  };
  expect(keyElement({ containerPort: 80 }, meta)).toBe('k:{"containerPort":80,"protocol":"TCP"}');
  expect(keyElement({ name: "x" }, { mergeKey: "containerPort" })).toBeUndefined();
});

it("prints paths as kube-apiserver does in conflicts", () => {
  expect(pathString(["f:spec", "f:replicas"])).toBe(".spec.replicas");
  expect(pathString(["f:spec", "f:containers", 'k:{"name":"web"}', "f:image"])).toBe(
    '.spec.containers[name="web"].image',
  );
  expect(pathString(["f:ports", 'k:{"containerPort":80,"protocol":"TCP"}'])).toBe(
    '.ports[containerPort=80,protocol="TCP"]',
  );
  expect(pathString(["f:metadata", "f:finalizers", 'v:"x"'])).toBe('.metadata.finalizers[="x"]');
});
