import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { hostsFiles, parseRegistries, writeHostsFiles } from "./registries.ts";

describe("registries.yaml -> containerd hosts.toml", () => {
  test("a LAN mirror for docker.io over plain http, then Docker Hub itself", () => {
    const config = parseRegistries(
      'mirrors:\n  docker.io:\n    endpoint:\n      - "http://192.168.1.10:5000"\n',
      "registries.yaml",
    );
    expect(hostsFiles(config).get("docker.io")).toBe(
      [
        'server = "https://registry-1.docker.io"',
        '[host."http://192.168.1.10:5000"]',
        '  capabilities = ["pull", "resolve"]',
        "",
      ].join("\n"),
    );
  });

  test("a registry with a self-signed certificate: skip_verify on its host", () => {
    const config = parseRegistries(
      'mirrors:\n  "registry.lan":\n    endpoint: ["https://registry.lan:8443"]\nconfigs:\n  "registry.lan:8443":\n    tls:\n      insecure_skip_verify: true\n',
      "registries.yaml",
    );
    expect(hostsFiles(config).get("registry.lan")).toContain(
      '[host."https://registry.lan:8443"]\n  capabilities = ["pull", "resolve"]\n  skip_verify = true',
    );
    expect(hostsFiles(config).get("registry.lan:8443")).toContain("skip_verify = true");
  });

  test("bad input names the field", () => {
    expect(() => parseRegistries("mirrors:\n  docker.io:\n    endpoint: []\n", "/etc/k-agent/registries.yaml")).toThrow(
      /registries.yaml: mirrors.docker.io.endpoint/,
    );
    expect(() => parseRegistries("mirrors:\n  docker.io:\n    endpoint: [not a url]\n", "r.yaml")).toThrow(
      /mirrors.docker.io.endpoint.0/,
    );
  });

  test("writing replaces the directory: a removed mirror is gone", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kflare-registries-"));
    try {
      await writeHostsFiles(dir, parseRegistries('mirrors:\n  a.lan:\n    endpoint: ["http://a.lan"]\n', "r"));
      expect(readdirSync(dir)).toEqual(["a.lan"]);
      expect(readFileSync(join(dir, "a.lan/hosts.toml"), "utf8")).toContain('server = "https://a.lan"');
      await writeHostsFiles(dir, parseRegistries("{}", "r"));
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
