import { describe, expect, it } from "vitest";
import { makeNode, makePod, makeRuntimeClass, runFilter, snapshotOf } from "../testing.ts";
import { REASON_RUNTIME_HANDLER, runtimeClass, runtimeClassNotFound } from "./runtime-class.ts";

describe("RuntimeClass", () => {
  const snapshot = snapshotOf(
    [makeNode("containerd", { handlers: ["", "runc"] }), makeNode("wasm", { handlers: ["", "runc", "wasmtime"] })],
    [],
    [makeRuntimeClass("wasm", "wasmtime"), makeRuntimeClass("default", "")],
  );

  it.each([
    ["no RuntimeClass", undefined, "containerd", undefined],
    ["the handler is offered", "wasm", "wasm", undefined],
    ["the handler is not offered", "wasm", "containerd", [REASON_RUNTIME_HANDLER]],
    ["the default handler", "default", "containerd", undefined],
    ["a RuntimeClass that does not exist", "gvisor", "containerd", [runtimeClassNotFound("gvisor")]],
  ])("%s", (_, runtimeClassName, node, reasons) => {
    const status = runFilter(runtimeClass, snapshot, makePod("p", { runtimeClassName }), node);
    expect(status?.reasons).toEqual(reasons);
    if (status) expect(status.code).toBe("UnschedulableAndUnresolvable");
  });

  it("refuses a node that reports no runtime handlers", () => {
    const bare = snapshotOf([makeNode("old", { handlers: [] })], [], [makeRuntimeClass("wasm", "wasmtime")]);
    expect(runFilter(runtimeClass, bare, makePod("p", { runtimeClassName: "wasm" }), "old")?.reasons).toEqual([
      REASON_RUNTIME_HANDLER,
    ]);
  });
});
