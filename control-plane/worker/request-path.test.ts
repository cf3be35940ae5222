import { describe, expect, it } from "vitest";
import { ApiError } from "../api/errors.ts";
import { parseApiPath } from "./request-path.ts";

describe("parseApiPath", () => {
  it("decodes percent-encoded segments", () => {
    expect(parseApiPath("/api/v1/namespaces/default/configmaps/a%2Fb")).toMatchObject({
      type: "resource",
      path: { namespace: "default", plural: "configmaps", name: "a/b" },
    });
  });

  // Found by the fuzz test: decodeURIComponent's URIError escaped as a 500.
  it.each(["%zz", "%", "%C3%28", "%ED%A0%80"])("answers the malformed escape %s with a 400 naming it", (segment) => {
    let thrown: unknown;
    try {
      parseApiPath(`/api/v1/namespaces/default/configmaps/${segment}`);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ApiError);
    expect((thrown as ApiError).code).toBe(400);
    expect((thrown as ApiError).message).toContain(`"${segment}" is not valid percent-encoded UTF-8`);
  });
});
