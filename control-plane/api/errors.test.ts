import { expect, it } from "vitest";
import { ApiError, invalid, toStatus } from "./errors.ts";

it("maps an invalid error to a 422 Status naming the field", () => {
  const s = invalid("ConfigMap", "x", [
    { reason: "FieldValueInvalid", field: "data[bad key]", message: "Invalid value" },
  ]);
  expect(s.toStatus()).toMatchObject({ code: 422, reason: "Invalid", details: { kind: "ConfigMap", name: "x" } });
  expect(s.message).toBe('ConfigMap "x" is invalid: data[bad key]: Invalid value');
});

it("turns unknown errors into 500s", () => {
  expect(toStatus(new Error("boom"))).toMatchObject({ code: 500, reason: "InternalError" });
  expect(toStatus(new ApiError(404, "NotFound", "x"))).toMatchObject({ code: 404 });
});
