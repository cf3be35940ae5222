import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { bridgeName, CONFLIST_NAME, conflist, writePodNetwork } from "./pod-network.ts";

describe("pod network conflist", () => {
  const options = { confDir: "/c", ipamDir: "/run/ipam", bridge: bridgeName("0123456789abcdef") };

  test("bridge (gateway, hairpin; masquerade is the proxy's node-level rule) with host-local over the podCIDR, portmap, loopback", () => {
    const list = conflist("10.244.3.0/24", options) as { plugins: { type: string; ipam?: unknown; bridge?: string }[] };
    expect(list.plugins.map((p) => p.type)).toEqual(["bridge", "portmap", "loopback"]);
    expect(list.plugins[0]).toMatchObject({
      bridge: "kf0123456789abc",
      isGateway: true,
      ipMasq: false,
      hairpinMode: true,
    });
    expect(list.plugins[0]?.ipam).toEqual({
      type: "host-local",
      dataDir: "/run/ipam",
      ranges: [[{ subnet: "10.244.3.0/24" }]],
      routes: [{ dst: "0.0.0.0/0" }],
    });
  });

  test("bridge names fit a Linux interface name", () => {
    expect(options.bridge.length).toBeLessThanOrEqual(15);
  });

  test("written once per podCIDR: the same CIDR again writes nothing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kflare-cni-"));
    try {
      const o = { ...options, confDir: join(dir, "net.d"), ipamDir: join(dir, "ipam") };
      expect(await writePodNetwork("10.244.1.0/24", o)).toBe(true);
      const first = statSync(join(o.confDir, CONFLIST_NAME)).mtimeMs;
      expect(await writePodNetwork("10.244.1.0/24", o)).toBe(false);
      expect(statSync(join(o.confDir, CONFLIST_NAME)).mtimeMs).toBe(first);
      expect(await writePodNetwork("10.244.2.0/24", o)).toBe(true);
      expect(readFileSync(join(o.confDir, CONFLIST_NAME), "utf8")).toContain("10.244.2.0/24");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
