import { describe, expect, it } from "vitest";
import { ApiError } from "../api/errors.ts";
import { decodeObjectBody } from "./body.ts";

const encoder = new TextEncoder();

async function refusal(type: string, text: string): Promise<ApiError> {
  try {
    await decodeObjectBody(type, encoder.encode(text));
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error("expected an ApiError");
}

// Found by the fuzz test: each of these overflowed the stack further on (a 500).
describe("decodeObjectBody", () => {
  it("answers a JSON body nested deeper than 1000 levels with a 400 saying so", async () => {
    const err = await refusal("application/json", `{"spec":${'{"a":'.repeat(3000)}1${"}".repeat(3000)}}`);
    expect(err.code).toBe(400);
    expect(err.message).toBe("the request body cannot be handled: it is nested more than 1000 levels deep");
  });

  it("answers a YAML body whose alias refers to its own node with a 400", async () => {
    const err = await refusal("application/yaml", "a: &a [*a, *a]\nb: *a\n");
    expect(err.code).toBe(400);
    expect(err.message).toBe(
      "the request body cannot be handled: it refers to itself (a YAML alias inside the node it names)",
    );
  });

  it("still decodes ordinary bodies, shared YAML aliases included", async () => {
    const obj = await decodeObjectBody(
      "application/yaml",
      encoder.encode("metadata: {name: x, labels: &l {app: a}}\ndata: *l\n"),
    );
    expect(obj).toEqual({ metadata: { name: "x", labels: { app: "a" } }, data: { app: "a" } });
  });
});
