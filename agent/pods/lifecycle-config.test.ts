import { lstat, readFile, readlink, stat } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { configMap, container, makePod, secret } from "./testing/fixtures.ts";
import { Harness } from "./testing/harness.ts";

let h: Harness;
afterEach(async () => h?.close());

describe("container config", () => {
  it("resolves env (values, references, envFrom, $(VAR)) and expands command and args", async () => {
    h = await Harness.create();
    const web = container("web", {
      command: ["/bin/app", "--name=$(POD_NAME)"],
      args: ["--greeting=$(GREETING)", "$$(KEEP)", "$(UNDEFINED)"],
      envFrom: [{ configMapRef: { name: "settings" }, prefix: "CFG_" }, { secretRef: { name: "creds" } }],
      resources: { requests: { cpu: "250m", memory: "64Mi" }, limits: { cpu: "500m", memory: "128Mi" } },
      env: [
        { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
        { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
        { name: "HOST_IP", valueFrom: { fieldRef: { fieldPath: "status.hostIP" } } },
        { name: "TEAM", valueFrom: { fieldRef: { fieldPath: "metadata.labels['team']" } } },
        { name: "NODE", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } },
        { name: "MEM_LIMIT_MI", valueFrom: { resourceFieldRef: { resource: "limits.memory", divisor: "1Mi" } } },
        { name: "CPU_REQUEST_M", valueFrom: { resourceFieldRef: { resource: "requests.cpu", divisor: "1m" } } },
        { name: "LEVEL", valueFrom: { configMapKeyRef: { name: "settings", key: "level" } } },
        { name: "TOKEN", valueFrom: { secretKeyRef: { name: "creds", key: "token" } } },
        { name: "MAYBE", valueFrom: { configMapKeyRef: { name: "absent", key: "x", optional: true } } },
        { name: "GREETING", value: "hello $(POD_NAME) at $(LEVEL)" },
      ],
    });
    const pod = makePod("env", { containers: [web] }, { labels: { team: "blue" } });
    await h.set([pod], [configMap("settings", { level: "debug" })], [secret("creds", { token: "t0k" })]);
    const config = h.runtime.running("web")?.config;
    expect(config?.env).toEqual([
      { name: "CFG_level", value: "debug" },
      { name: "token", value: "t0k" },
      { name: "POD_NAME", value: "env" },
      { name: "POD_IP", value: "10.42.0.10" },
      { name: "HOST_IP", value: "192.168.1.20" },
      { name: "TEAM", value: "blue" },
      { name: "NODE", value: "node-1" },
      { name: "MEM_LIMIT_MI", value: "128" },
      { name: "CPU_REQUEST_M", value: "250" },
      { name: "LEVEL", value: "debug" },
      { name: "TOKEN", value: "t0k" },
      { name: "GREETING", value: "hello env at debug" },
    ]);
    expect(config?.command).toEqual(["/bin/app", "--name=env"]);
    expect(config?.args).toEqual(["--greeting=hello env at debug", "$(KEEP)", "$(UNDEFINED)"]);
    expect(config?.resources).toEqual({
      cpuShares: 256,
      cpuQuotaMicros: 50_000,
      cpuPeriodMicros: 100_000,
      memoryLimitBytes: 134_217_728,
    });
    expect(config?.logPath).toBe("web/0.log");
  });

  it("waits with CreateContainerConfigError while a referenced ConfigMap is missing", async () => {
    h = await Harness.create();
    const web = container("web", {
      env: [{ name: "LEVEL", valueFrom: { configMapKeyRef: { name: "settings", key: "level" } } }],
    });
    const pod = makePod("cfg", { containers: [web] });
    await h.set([pod]);
    expect(h.status("uid-cfg").containerStatuses?.[0]?.state).toEqual({
      waiting: { reason: "CreateContainerConfigError", message: 'configmap "settings" not found' },
    });
    expect(h.eventTexts()).toContain('Warning Failed Error: configmap "settings" not found');
    expect(h.runtime.named("web")).toHaveLength(0);

    await h.set([pod], [configMap("settings", { other: "x" })]);
    expect(h.status("uid-cfg").containerStatuses?.[0]?.state?.waiting?.message).toBe(
      "couldn't find key level in ConfigMap default/settings",
    );
    await h.set([pod], [configMap("settings", { level: "info" })]);
    expect(h.status("uid-cfg").containerStatuses?.[0]?.state?.running).toBeDefined();
  });
});

describe("privileged containers", () => {
  it("are refused with CreateContainerConfigError unless the node allows them", async () => {
    h = await Harness.create();
    const pod = makePod("priv", { containers: [container("web", { securityContext: { privileged: true } })] });
    await h.set([pod]);
    expect(h.status("uid-priv").containerStatuses?.[0]?.state?.waiting).toEqual({
      reason: "CreateContainerConfigError",
      message:
        'container "web" is privileged, and this node does not allow privileged containers (start its agent with --allow-privileged)',
    });
    expect(h.runtime.named("web")).toHaveLength(0);
    await h.close();

    h = await Harness.create({ allowPrivileged: true });
    await h.set([pod]);
    expect(h.runtime.running("web")?.config.securityContext?.privileged).toBe(true);
  });
});

describe("volumes", () => {
  it("materialises emptyDir, configMap, secret, downwardAPI and hostPath volumes and mounts them", async () => {
    h = await Harness.create();
    const pod = makePod(
      "vol",
      {
        volumes: [
          { name: "scratch", emptyDir: {} },
          { name: "cache", emptyDir: { medium: "Memory" } },
          {
            name: "conf",
            configMap: { name: "settings", items: [{ key: "app.yaml", path: "etc/app.yaml", mode: 0o600 }] },
          },
          { name: "creds", secret: { secretName: "creds" } },
          { name: "info", downwardAPI: { items: [{ path: "labels", fieldRef: { fieldPath: "metadata.labels" } }] } },
          { name: "host", hostPath: { path: join(h.dir, "host", "data"), type: "DirectoryOrCreate" } },
        ],
        containers: [
          container("web", {
            volumeMounts: [
              { name: "scratch", mountPath: "/scratch", subPath: "sub" },
              { name: "cache", mountPath: "/cache" },
              { name: "conf", mountPath: "/etc/app" },
              { name: "creds", mountPath: "/creds" },
              { name: "info", mountPath: "/info" },
              { name: "host", mountPath: "/host", readOnly: true },
            ],
          }),
        ],
      },
      { labels: { app: "web", tier: "front" } },
    );
    await h.set(
      [pod],
      [configMap("settings", { "app.yaml": "a: 1\n", ignored: "x" })],
      [secret("creds", { token: "t0k" })],
    );
    const podDir = join(h.dir, "pods", "uid-vol", "volumes");
    const mounts = h.runtime.running("web")?.config.mounts;
    expect(mounts).toEqual([
      {
        hostPath: join(podDir, "kubernetes.io~empty-dir", "scratch", "sub"),
        containerPath: "/scratch",
        readOnly: false,
      },
      { hostPath: join(podDir, "kubernetes.io~empty-dir", "cache"), containerPath: "/cache", readOnly: false },
      { hostPath: join(podDir, "kubernetes.io~configmap", "conf"), containerPath: "/etc/app", readOnly: true },
      { hostPath: join(podDir, "kubernetes.io~secret", "creds"), containerPath: "/creds", readOnly: true },
      { hostPath: join(podDir, "kubernetes.io~downward-api", "info"), containerPath: "/info", readOnly: true },
      { hostPath: join(h.dir, "host", "data"), containerPath: "/host", readOnly: true },
      // kubelet's termination message file, one per container attempt.
      {
        hostPath: join(h.dir, "pods", "uid-vol", "termination", "web-0"),
        containerPath: "/dev/termination-log",
        readOnly: false,
      },
    ]);
    const mode = async (p: string) => (await stat(p)).mode & 0o777;
    expect(await mode(join(podDir, "kubernetes.io~empty-dir", "scratch"))).toBe(0o777);
    expect(h.mounter.mounted).toContain(join(podDir, "kubernetes.io~empty-dir", "cache"));
    const conf = join(podDir, "kubernetes.io~configmap", "conf");
    expect(await readFile(join(conf, "etc/app.yaml"), "utf8")).toBe("a: 1\n");
    expect(await mode(join(conf, "etc/app.yaml"))).toBe(0o600);
    expect((await lstat(join(conf, "etc"))).isSymbolicLink()).toBe(true);
    expect(await readlink(join(conf, "etc"))).toBe("..data/etc");
    const creds = join(podDir, "kubernetes.io~secret", "creds");
    expect(await readFile(join(creds, "token"), "utf8")).toBe("t0k");
    expect(await mode(join(creds, "token"))).toBe(0o644);
    expect(await readFile(join(podDir, "kubernetes.io~downward-api", "info", "labels"), "utf8")).toBe(
      'app="web"\ntier="front"',
    );
    expect((await stat(join(h.dir, "host", "data"))).isDirectory()).toBe(true);

    // Removing the pod removes its directory and unmounts its tmpfs.
    await h.set([]);
    await expect(stat(join(h.dir, "pods", "uid-vol"))).rejects.toThrow();
    expect(h.mounter.mounted.size).toBe(0);
  });

  it("reports FailedMount and keeps the pod ContainerCreating while a volume's ConfigMap is missing", async () => {
    h = await Harness.create();
    const pod = makePod("nomount", {
      volumes: [{ name: "conf", configMap: { name: "settings" } }],
      containers: [container("web", { volumeMounts: [{ name: "conf", mountPath: "/etc/app" }] })],
    });
    await h.set([pod]);
    expect(h.eventTexts()).toContain(
      'Warning FailedMount MountVolume.SetUp failed for volume "conf" : configmap "settings" not found',
    );
    expect(h.runtime.sandboxes.size).toBe(0);
    expect(h.status("uid-nomount").containerStatuses?.[0]?.state).toEqual({ waiting: { reason: "ContainerCreating" } });
    await h.set([pod], [configMap("settings", { a: "1" })]);
    expect(h.runtime.running("web")).toBeDefined();
  });
});
