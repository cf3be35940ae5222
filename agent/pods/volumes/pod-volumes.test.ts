import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ConfigMap, Secret } from "../../../schemas/core/config.ts";
import type { Pod } from "../../../schemas/core/pod.ts";
import type { Volume } from "../../../schemas/core/volume.ts";
import type { TokenSource } from "../service-account-tokens.ts";
import { FakeMounter } from "../testing/fake-mounter.ts";
import { configMap, container, makePod, secret } from "../testing/fixtures.ts";
import { PodVolumes } from "./pod-volumes.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "kflare-vol-"));
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

function setUp(volumes: Volume[], cms: ConfigMap[] = [], secrets: Secret[] = [], pod?: Pod, tokens?: TokenSource) {
  const p =
    pod ?? makePod("v", { volumes, containers: [container("web", { resources: { limits: { memory: "64Mi" } } })] });
  const v = new PodVolumes(join(dir, "pods", "uid-v"), new FakeMounter());
  const config = {
    configMap: (ns: string, name: string) => cms.find((c) => c.metadata.name === name && c.metadata.namespace === ns),
    secret: (ns: string, name: string) => secrets.find((s) => s.metadata.name === name && s.metadata.namespace === ns),
  };
  const ctx = {
    pod: p,
    config,
    addresses: { podIPs: ["10.0.0.5"], hostIPs: ["192.168.1.2"] },
    allocatable: { cpu: "4", memory: "8Gi" },
    ...(tokens ? { tokens } : {}),
  };
  return { v, run: () => v.setUp(ctx) };
}

const mode = async (p: string) => (await stat(p)).mode & 0o777;

describe("secret and configMap volumes", () => {
  it("write every key with defaultMode, or the listed items with their own mode", async () => {
    const { v, run } = setUp(
      [
        { name: "s", secret: { secretName: "creds", defaultMode: 0o400 } },
        {
          name: "c",
          configMap: {
            name: "cfg",
            items: [
              { key: "b", path: "sub/b.txt" },
              { key: "a", path: "a.txt", mode: 0o600 },
            ],
          },
        },
      ],
      [configMap("cfg", { a: "A", b: "B", c: "C" })],
      [secret("creds", { user: "u", pass: "p" })],
    );
    await run();
    const s = v.paths.get("s") ?? "";
    expect((await readdir(s)).filter((n) => !n.startsWith("..")).sort()).toEqual(["pass", "user"]);
    expect(await mode(join(s, "pass"))).toBe(0o400);
    const c = v.paths.get("c") ?? "";
    expect(await readFile(join(c, "sub/b.txt"), "utf8")).toBe("B");
    expect(await mode(join(c, "sub/b.txt"))).toBe(0o644);
    expect(await mode(join(c, "a.txt"))).toBe(0o600);
    await expect(stat(join(c, "c"))).rejects.toThrow();
  });

  it("rewrites only on change, by swapping ..data at once", async () => {
    const cms = [configMap("cfg", { a: "1" })];
    const { v, run } = setUp([{ name: "c", configMap: { name: "cfg" } }], cms);
    await run();
    const c = v.paths.get("c") ?? "";
    const before = await stat(join(c, "..data", "a"));
    await run();
    // A restarted agent (a new PodVolumes on the same directory) compares with the disk first.
    await setUp([{ name: "c", configMap: { name: "cfg" } }], cms).run();
    expect((await stat(join(c, "..data", "a"))).ino).toBe(before.ino);
    cms[0] = configMap("cfg", { a: "2", b: "3" });
    await run();
    expect(await readFile(join(c, "a"), "utf8")).toBe("2");
    expect(await readFile(join(c, "b"), "utf8")).toBe("3");
    expect((await readdir(c)).filter((n) => n.startsWith("..") && n !== "..data")).toHaveLength(1);
  });

  it("fails for a missing object or key unless optional", async () => {
    await expect(setUp([{ name: "c", configMap: { name: "nope" } }]).run()).rejects.toThrow(
      'MountVolume.SetUp failed for volume "c" : configmap "nope" not found',
    );
    await expect(setUp([{ name: "s", secret: { secretName: "nope", optional: true } }]).run()).resolves.toBeUndefined();
    await expect(
      setUp(
        [{ name: "c", configMap: { name: "cfg", items: [{ key: "x", path: "x" }] } }],
        [configMap("cfg", {})],
      ).run(),
    ).rejects.toThrow("configmap references non-existent config key: x");
  });
});

describe("downwardAPI and projected volumes", () => {
  it("write pod fields and container resources, and combine sources", async () => {
    const pod = makePod(
      "v",
      {
        volumes: [
          {
            name: "p",
            projected: {
              sources: [
                { configMap: { name: "cfg" } },
                {
                  downwardAPI: {
                    items: [
                      { path: "name", fieldRef: { fieldPath: "metadata.name" } },
                      {
                        path: "mem",
                        resourceFieldRef: { containerName: "web", resource: "limits.memory", divisor: "1Mi" },
                      },
                      { path: "ip", fieldRef: { fieldPath: "status.podIP" } },
                    ],
                  },
                },
                { serviceAccountToken: { path: "token" } },
              ],
            },
          },
        ],
        containers: [container("web", { resources: { limits: { memory: "64Mi" } } })],
      },
      { uid: "uid-v" },
    );
    const { v, run } = setUp([], [configMap("cfg", { k: "v" })], [], pod);
    await run();
    const p = v.paths.get("p") ?? "";
    expect(await readFile(join(p, "k"), "utf8")).toBe("v");
    expect(await readFile(join(p, "name"), "utf8")).toBe("v");
    expect(await readFile(join(p, "mem"), "utf8")).toBe("64");
    expect(await readFile(join(p, "ip"), "utf8")).toBe("10.0.0.5");
  });
});

describe("hostPath and emptyDir", () => {
  it("checks hostPath types and creates what *OrCreate asks for", async () => {
    const file = join(dir, "file");
    await writeFile(file, "x");
    await expect(setUp([{ name: "h", hostPath: { path: file, type: "Directory" } }]).run()).rejects.toThrow(
      `hostPath type check failed: ${file} is not a directory`,
    );
    await expect(setUp([{ name: "h", hostPath: { path: file, type: "File" } }]).run()).resolves.toBeUndefined();
    const created = join(dir, "made");
    await setUp([{ name: "h", hostPath: { path: created, type: "FileOrCreate" } }]).run();
    expect((await stat(created)).isFile()).toBe(true);
  });

  it("mounts a tmpfs for medium Memory (with its size limit) and removes everything on teardown", async () => {
    const mounter = new FakeMounter();
    const pod = makePod(
      "v",
      { volumes: [{ name: "m", emptyDir: { medium: "Memory", sizeLimit: "16Mi" } }] },
      { uid: "uid-v" },
    );
    const v = new PodVolumes(join(dir, "pods", "uid-v"), mounter);
    const config = { configMap: () => undefined, secret: () => undefined };
    await v.setUp({ pod, config, addresses: { podIPs: [], hostIPs: [] }, allocatable: { cpu: "1", memory: "1Gi" } });
    expect(mounter.calls).toEqual([`mount ${v.paths.get("m")} 16777216`]);
    await v.tearDown();
    expect(mounter.mounted.size).toBe(0);
    await expect(stat(v.podDir)).rejects.toThrow();
  });
});

describe("projected service-account volumes", () => {
  const apiAccess: Volume = {
    name: "kube-api-access-abcde",
    projected: {
      defaultMode: 0o644,
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: "token" } },
        { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
        { downwardAPI: { items: [{ path: "namespace", fieldRef: { fieldPath: "metadata.namespace" } }] } },
      ],
    },
  };

  it("hold the pod's token, the cluster CA and the namespace, and keep the last token while no new one can be had", async () => {
    let answer: () => Promise<string> = async () => "token-1";
    const asked: [string | undefined, number][] = [];
    const tokens: TokenSource = {
      token: (_pod, audience, seconds) => {
        asked.push([audience, seconds]);
        return answer();
      },
    };
    const ca = configMap("kube-root-ca.crt", { "ca.crt": "-----BEGIN CERTIFICATE-----" });
    const { v, run } = setUp([apiAccess], [ca], [], undefined, tokens);
    await run();
    const d = v.paths.get("kube-api-access-abcde") ?? "";
    expect(await readFile(join(d, "token"), "utf8")).toBe("token-1");
    expect(await readFile(join(d, "ca.crt"), "utf8")).toBe("-----BEGIN CERTIFICATE-----");
    expect(await readFile(join(d, "namespace"), "utf8")).toBe("default");
    expect(asked).toEqual([[undefined, 3607]]);

    // A new agent process (nothing cached) while the control plane is down: the file stays.
    answer = async () => {
      throw new Error("the control plane is unreachable from this node");
    };
    const again = setUp([apiAccess], [ca], [], undefined, tokens);
    await again.run();
    expect(await readFile(join(again.v.paths.get("kube-api-access-abcde") ?? "", "token"), "utf8")).toBe("token-1");
  });

  it("fail to mount, saying why, when there is no token at all", async () => {
    const tokens: TokenSource = {
      token: async () => {
        throw new Error('serviceaccounts "builder" not found');
      },
    };
    const ca = configMap("kube-root-ca.crt", { "ca.crt": "x" });
    const { run } = setUp([apiAccess], [ca], [], undefined, tokens);
    await expect(run()).rejects.toThrow(
      'MountVolume.SetUp failed for volume "kube-api-access-abcde" : failed to fetch token: serviceaccounts "builder" not found',
    );
  });
});
