import { describe, expect, test } from "vitest";
import { formatImageReference, isLoopbackRegistry, parseImageReference, registryApiHost } from "./image-reference.ts";
import { RuntimeError } from "./types.ts";

const DIGEST = `sha256:${"ab".repeat(32)}`;

describe("parseImageReference", () => {
  test.each([
    ["nginx", "docker.io/library/nginx:latest"],
    ["nginx:1.27", "docker.io/library/nginx:1.27"],
    ["user/app", "docker.io/user/app:latest"],
    ["docker.io/library/nginx", "docker.io/library/nginx:latest"],
    ["ghcr.io/org/team/app:v1.2.3", "ghcr.io/org/team/app:v1.2.3"],
    ["127.0.0.1:5000/wasm/hello:1", "127.0.0.1:5000/wasm/hello:1"],
    ["localhost/app", "localhost/app:latest"],
    ["localhost:5000/app", "localhost:5000/app:latest"],
    ["[::1]:5000/app:x", "[::1]:5000/app:x"],
    [`registry.local/app@${DIGEST}`, `registry.local/app@${DIGEST}`],
    [`registry.local/app:1@${DIGEST}`, `registry.local/app:1@${DIGEST}`],
    ["a/b_c__d-e.f:Tag_1.x-y", "docker.io/a/b_c__d-e.f:Tag_1.x-y"],
  ])("%s -> %s", (input, canonical) => {
    expect(formatImageReference(parseImageReference(input))).toBe(canonical);
  });

  test.each([
    ["", "empty"],
    [" nginx", "spaces"],
    ["Nginx", "lowercase"],
    ["host.io/Org/app", "lowercase"],
    ["app:", "tag"],
    ["app:-x", "tag"],
    ["app@sha256:abc", "64 lowercase hex"],
    ["app@nodigest", "digest"],
    ["host.io//app", "empty"],
    ["app/", "empty"],
    ["ap$p", "path component"],
    ["-app", "path component"],
    [`x/${"a".repeat(260)}`, "255"],
  ])("%s is invalid (%s)", (input, why) => {
    const error = (() => {
      try {
        parseImageReference(input);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(RuntimeError);
    expect((error as RuntimeError).reason).toBe("InvalidImageName");
    expect((error as RuntimeError).message).toContain(why);
  });

  test("parts", () => {
    expect(parseImageReference("127.0.0.1:5000/a/b:1")).toEqual({
      registry: "127.0.0.1:5000",
      repository: "a/b",
      tag: "1",
    });
    expect(parseImageReference(`app@${DIGEST}`)).toEqual({
      registry: "docker.io",
      repository: "library/app",
      digest: DIGEST,
    });
  });
});

test("Docker Hub's API host; loopback registries", () => {
  expect(registryApiHost("docker.io")).toBe("registry-1.docker.io");
  expect(registryApiHost("ghcr.io")).toBe("ghcr.io");
  for (const host of ["127.0.0.1:5000", "127.1.2.3", "localhost", "localhost:80", "[::1]:5000"]) {
    expect(isLoopbackRegistry(host)).toBe(true);
  }
  for (const host of ["docker.io", "10.0.0.1:5000", "127.0.0.1.nip.io", "localhost.example", "[::2]:5000"]) {
    expect(isLoopbackRegistry(host)).toBe(false);
  }
});
