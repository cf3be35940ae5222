// The CNI chain runner against plugins that are shell scripts recording what they were given: the
// order of calls, the CNI_* variables, each plugin's config with the previous result, DEL in
// reverse, runtimeConfig only for plugins with the capability, and a plugin's error as its text.
// (The real bridge, host-local, portmap and loopback plugins run in test/e2e/containers.test.ts.)
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CniError, cniAdd, cniDel, firstIPv4 } from "./cni.ts";

let dir: string;
let calls: string;

/** A plugin that appends "<name> <CNI_COMMAND> <CNI_CONTAINERID> <CNI_NETNS> <CNI_IFNAME> <stdin>" and prints `answer`. */
function plugin(name: string, answer: string, exitCode = 0): void {
  const path = join(dir, "bin", name);
  writeFileSync(
    path,
    `#!/bin/sh\nconf=$(cat)\necho "${name} $CNI_COMMAND $CNI_CONTAINERID $CNI_NETNS $CNI_IFNAME $conf" >> ${calls}\nprintf '%s' '${answer}'\nexit ${exitCode}\n`,
  );
  chmodSync(path, 0o755);
}

function conflist(plugins: object[]): string {
  const path = join(dir, "net.conflist");
  writeFileSync(path, JSON.stringify({ cniVersion: "1.0.0", name: "test-net", plugins }));
  return path;
}

const lines = () => readFileSync(calls, "utf8").trim().split("\n");
const confOf = (line: string) => JSON.parse(line.slice(line.indexOf("{"))) as Record<string, unknown>;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "kflare-cni-"));
  calls = join(dir, "calls.log");
  writeFileSync(calls, "");
  mkdirSync(join(dir, "bin"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("cniAdd / cniDel", () => {
  it("runs the plugins in order with the previous result, and returns the first IPv4 address", async () => {
    const result = '{"cniVersion":"1.0.0","ips":[{"address":"fd00::5/64"},{"address":"10.42.0.5/24"}]}';
    plugin("bridge", result);
    plugin("portmap", result);
    plugin("loopback", result);
    const path = conflist([
      { type: "bridge", bridge: "kf0" },
      { type: "portmap", capabilities: { portMappings: true } },
      { type: "loopback" },
    ]);
    const ip = await cniAdd(
      { conflistPath: path, binDir: join(dir, "bin") },
      {
        containerId: "abc",
        netns: "/proc/42/ns/net",
        portMappings: [{ hostPort: 8081, containerPort: 8080, protocol: "tcp" }],
      },
    );
    expect(ip).toBe("10.42.0.5");
    const log = lines();
    expect(log.map((l) => l.split(" ").slice(0, 5).join(" "))).toEqual([
      "bridge ADD abc /proc/42/ns/net eth0",
      "portmap ADD abc /proc/42/ns/net eth0",
      "loopback ADD abc /proc/42/ns/net eth0",
    ]);
    const [bridge, portmap, loopback] = log.map(confOf);
    expect(bridge).toEqual({ type: "bridge", bridge: "kf0", cniVersion: "1.0.0", name: "test-net" });
    expect(portmap?.prevResult).toEqual(JSON.parse(result));
    expect(portmap?.runtimeConfig).toEqual({
      portMappings: [{ hostPort: 8081, containerPort: 8080, protocol: "tcp" }],
    });
    // Only plugins that declare the capability get the runtime config.
    expect(loopback?.runtimeConfig).toBeUndefined();
  });

  it("runs DEL last plugin first, without a previous result", async () => {
    plugin("bridge", "");
    plugin("loopback", "");
    const path = conflist([{ type: "bridge" }, { type: "loopback" }]);
    await cniDel({ conflistPath: path, binDir: join(dir, "bin") }, { containerId: "abc", netns: "" });
    const log = lines();
    expect(log.map((l) => l.split(" ").slice(0, 3).join(" "))).toEqual(["loopback DEL abc", "bridge DEL abc"]);
    expect(log.map(confOf).every((c) => c.prevResult === undefined)).toBe(true);
  });

  it("fails with the plugin's own error message, and stops the chain there", async () => {
    plugin("bridge", '{"cniVersion":"1.0.0","code":11,"msg":"failed to allocate","details":"range is full"}', 1);
    plugin("loopback", "{}");
    const path = conflist([{ type: "bridge" }, { type: "loopback" }]);
    const err = await cniAdd({ conflistPath: path, binDir: join(dir, "bin") }, { containerId: "x", netns: "/n" }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CniError);
    expect((err as Error).message).toBe("CNI plugin bridge ADD failed: failed to allocate: range is full");
    expect(lines()).toHaveLength(1);
  });

  it("says the pod network is not set up when the conflist is missing, and names a missing plugin", async () => {
    const missing = join(dir, "none.conflist");
    await expect(
      cniAdd({ conflistPath: missing, binDir: join(dir, "bin") }, { containerId: "x", netns: "/n" }),
    ).rejects.toThrow(`the node's pod network is not set up yet (no ${missing})`);
    const path = conflist([{ type: "nosuchplugin" }]);
    await expect(
      cniAdd({ conflistPath: path, binDir: join(dir, "bin") }, { containerId: "x", netns: "/n" }),
    ).rejects.toThrow(/CNI plugin nosuchplugin could not run: .*ENOENT/);
  });

  it("refuses a chain that gives no IPv4 address", async () => {
    plugin("bridge", '{"cniVersion":"1.0.0","ips":[]}');
    const path = conflist([{ type: "bridge" }]);
    await expect(
      cniAdd({ conflistPath: path, binDir: join(dir, "bin") }, { containerId: "x", netns: "/n" }),
    ).rejects.toThrow("the CNI chain test-net gave the pod no IPv4 address");
  });
});

describe("firstIPv4", () => {
  it("reads the address out of a CIDR and skips IPv6", () => {
    expect(firstIPv4({ ips: [{ address: "fd00::1/64" }, { address: "10.0.0.9/16" }] })).toBe("10.0.0.9");
    expect(firstIPv4({})).toBeUndefined();
    expect(firstIPv4(undefined)).toBeUndefined();
  });
});
