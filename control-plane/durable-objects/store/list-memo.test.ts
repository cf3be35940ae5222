// The list memo on its own: a list is loaded once until its resource is written.
import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../../schemas/object.ts";
import { ListMemo } from "./list-memo.ts";

const svc = (name: string): KubeObject => ({ apiVersion: "v1", kind: "Service", metadata: { name } });

describe("list memo", () => {
  it("loads a list once, per resource and namespace, until that resource is written", () => {
    const memo = new ListMemo();
    let loads = 0;
    const load = (items: KubeObject[]) => () => {
      loads++;
      return items;
    };
    expect(memo.get("services", "a", load([svc("x")]))).toEqual([svc("x")]);
    expect(memo.get("services", "a", load([svc("other")]))).toEqual([svc("x")]);
    expect(memo.get("services", "b", load([]))).toEqual([]);
    expect(memo.get("replicasets.apps", "a", load([]))).toEqual([]);
    expect(loads).toBe(3);

    memo.invalidate("services");
    expect(memo.get("services", "a", load([svc("x"), svc("y")]))).toHaveLength(2);
    expect(memo.get("replicasets.apps", "a", load([svc("never")]))).toEqual([]);
    memo.clear();
    expect(memo.get("replicasets.apps", "a", load([svc("z")]))).toEqual([svc("z")]);
    expect(loads).toBe(5);
  });
});
