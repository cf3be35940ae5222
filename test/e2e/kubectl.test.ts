// The real kubectl 1.35 and helm 4 against the control plane started as `npm start` starts it:
// discovery, client-side and server-side apply of the seed manifest, tables, scale, watch,
// protobuf bodies from typed clients, deletes, authentication and a helm release's lifecycle.

import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { type ControlPlane, startControlPlane } from "../../cli/local-control-plane.ts";
import { type RunResult, runHelm, runKubectl, toolBinaries } from "../tools/binaries.ts";
import { eventually } from "../tools/eventually.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const SEED = join(ROOT, "examples/deployment.yaml");
const CHART = join(ROOT, "test/e2e/fixtures/chart");

let cp: ControlPlane;
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "kflare-e2e-kubectl-"));
  await toolBinaries();
  cp = await startControlPlane({ dataDir, port: 0 });
});

afterAll(async () => {
  await cp?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

async function kubectl(...args: string[]): Promise<RunResult> {
  return runKubectl(args, { kubeconfig: cp.kubeconfigPath });
}

/** kubectl that must succeed; its stdout. */
async function ok(...args: string[]): Promise<string> {
  const r = await kubectl(...args);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(" ")} exited ${r.code}:\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

function rows(table: string): string[][] {
  return table
    .trim()
    .split("\n")
    .map((l) => l.trim().split(/\s{2,}/));
}

describe("discovery", () => {
  it("reports the server version", async () => {
    expect(await ok("version")).toMatch(/Server Version: v1\.35\.\d+/);
  });

  it("lists the API resources with short names", async () => {
    const out = await ok("api-resources");
    expect(out).toMatch(/^pods\s+po\s+v1\s+true\s+Pod$/m);
    expect(out).toMatch(/^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m);
    expect(out).toMatch(/^namespaces\s+ns\s+v1\s+false\s+Namespace$/m);
    expect(out).toMatch(/^leases\s+coordination\.k8s\.io\/v1\s+true\s+Lease$/m);
  });

  it("explains a kind's fields and their types from the published OpenAPI", async () => {
    const strategy = await ok("explain", "deployment.spec.strategy");
    expect(strategy).toMatch(/^FIELD: strategy <DeploymentStrategy>$/m);
    expect(strategy).toMatch(/^ {2}rollingUpdate\t<RollingUpdateDeployment>$/m);
    expect(strategy).toMatch(/^ {2}type\t<string>$/m);
    const containers = await ok("explain", "pods.spec.containers");
    expect(containers).toMatch(/^FIELD: containers <\[\]Container>$/m);
    expect(containers).toMatch(/^ {2}resources\t<ResourceRequirements>$/m);
    const missing = await kubectl("explain", "pods.spec.nosuchfield");
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('field "nosuchfield" does not exist');
  });
});

describe("the seed manifest", () => {
  it("applies client-side, then again unchanged, then server-side", async () => {
    expect(await ok("apply", "-f", SEED)).toBe("deployment.apps/web-app created\nservice/web-app created\n");
    expect(await ok("apply", "-f", SEED)).toBe("deployment.apps/web-app unchanged\nservice/web-app unchanged\n");
    expect(await ok("apply", "--server-side", "-f", SEED)).toBe(
      "deployment.apps/web-app serverside-applied\nservice/web-app serverside-applied\n",
    );
    const deploy = JSON.parse(await ok("get", "deploy", "web-app", "-o", "json"));
    expect(deploy.metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"]).toContain(
      '"image":"myapp:1.2.0"',
    );
    expect(deploy.spec.template.spec.containers[0].resources.limits).toEqual({ cpu: "500m", memory: "512Mi" });
    expect(deploy.spec.strategy).toEqual({
      type: "RollingUpdate",
      rollingUpdate: { maxSurge: "25%", maxUnavailable: "25%" },
    });
  });

  it("applies a change as a strategic merge patch, keeping what another writer added", async () => {
    // `set env` adds to the container outside the manifest; apply's three-way merge changes only
    // what the manifest manages, and the env var stays.
    expect(await ok("set", "env", "deployment/web-app", "GREETING=hello")).toContain(
      "deployment.apps/web-app env updated",
    );
    const manifest = (await readFile(SEED, "utf8")).replace("myapp:1.2.0", "myapp:1.3.0");
    const changed = join(dataDir, "changed.yaml");
    await writeFile(changed, manifest);
    expect(await ok("apply", "-f", changed)).toContain("deployment.apps/web-app configured");
    expect(
      await ok(
        "get",
        "deploy",
        "web-app",
        "-o",
        "jsonpath={.spec.template.spec.containers[0].image} {.spec.template.spec.containers[0].env[0].value} {.metadata.generation}",
      ),
    ).toBe("myapp:1.3.0 hello 3");
  });

  it("prints tables for get, -o wide, -l, -A and all", async () => {
    const svc = rows(await ok("get", "svc"));
    expect(svc[0]).toEqual(["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"]);
    const webApp = svc.find((r) => r[0] === "web-app")!;
    expect(webApp[1]).toBe("ClusterIP");
    expect(webApp[2]).toMatch(/^10\.43\.\d+\.\d+$/);
    expect(webApp[4]).toBe("80/TCP");
    const wide = rows(await ok("get", "deploy", "-o", "wide"));
    expect(wide[0]).toEqual(["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE", "CONTAINERS", "IMAGES", "SELECTOR"]);
    expect(wide[1]!.slice(5)).toEqual(["web", "myapp:1.3.0", "app=web-app"]);
    const all = await ok("get", "all");
    expect(all).toContain("service/kubernetes");
    expect(all).toContain("deployment.apps/web-app");
    const allNs = rows(await ok("get", "svc", "-A"));
    expect(allNs[0]!.slice(0, 2)).toEqual(["NAMESPACE", "NAME"]);
    expect(allNs.some((r) => r[0] === "default" && r[1] === "kubernetes")).toBe(true);
    const labelled = await ok("get", "svc", "-l", "component=apiserver", "-o", "name");
    expect(labelled).toBe("service/kubernetes\n");
    // Cluster DNS has k3s's address; the Service's EndpointSlice and Endpoints exist (no pod runs here).
    expect(rows(await ok("get", "svc", "-n", "kube-system", "kube-dns"))[1]!.slice(1, 5)).toEqual([
      "ClusterIP",
      "10.43.0.10",
      "<none>",
      "53/UDP,53/TCP",
    ]);
    const slices = rows(await ok("get", "endpointslices", "-l", "kubernetes.io/service-name=web-app"));
    expect(slices[0]).toEqual(["NAME", "ADDRESSTYPE", "PORTS", "ENDPOINTS", "AGE"]);
    expect(slices[1]![0]).toMatch(/^web-app-/);
    expect(rows(await ok("get", "endpoints", "web-app"))[0]).toEqual(["NAME", "ENDPOINTS", "AGE"]);
    const yaml = parse(await ok("get", "deploy", "web-app", "-o", "yaml"));
    expect(yaml).toMatchObject({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web-app", namespace: "default" },
    });
  });

  it("shows pods with their table columns", async () => {
    await ok("run", "solo", "--image=myapp:1.2.0", "--labels=app=solo");
    const pods = rows(await ok("get", "pods", "-l", "app=solo", "-o", "wide"));
    expect(pods[0]).toEqual([
      "NAME",
      "READY",
      "STATUS",
      "RESTARTS",
      "AGE",
      "IP",
      "NODE",
      "NOMINATED NODE",
      "READINESS GATES",
    ]);
    expect(pods[1]!.slice(0, 4)).toEqual(["solo", "0/1", "Pending", "0"]);
    await ok("delete", "pod", "solo");
  });

  it("scales through the scale subresource, which then owns the replica count", async () => {
    expect(await ok("scale", "deployment", "web-app", "--replicas=5")).toBe("deployment.apps/web-app scaled\n");
    expect(await ok("get", "deploy", "web-app", "-o", "jsonpath={.spec.replicas}")).toBe("5");
    const deploy = JSON.parse(await ok("get", "deploy", "web-app", "-o", "json", "--show-managed-fields"));
    expect(deploy.metadata.managedFields).toContainEqual(
      expect.objectContaining({
        manager: "kubectl",
        operation: "Update",
        subresource: "scale",
        fieldsV1: { "f:spec": { "f:replicas": {} } },
      }),
    );
    // A server-side apply of the manifest's 3 replicas now meets that owner, as upstream words it
    // (and the image the client-side apply above changed, which kubectl-client-side-apply owns).
    const apply = await kubectl("apply", "--server-side", "-f", SEED);
    expect(apply.code).not.toBe(0);
    expect(apply.stderr).toMatch(
      /conflicts? with "kubectl" with subresource "scale" using apps\/v1:\s+(- )?\.spec\.replicas/,
    );
    expect(await ok("get", "deploy", "web-app", "-o", "jsonpath={.spec.replicas}")).toBe("5");
  });

  it("deletes what a file created", async () => {
    const out = await ok("delete", "-f", SEED);
    expect(out).toBe(
      'deployment.apps "web-app" deleted from default namespace\nservice "web-app" deleted from default namespace\n',
    );
    expect((await kubectl("get", "deploy", "web-app")).stderr).toContain('deployments.apps "web-app" not found');
  });
});

describe("watch", () => {
  it("prints a change that happens while `get -w` runs", async () => {
    const { kubectl: bin } = await toolBinaries();
    const home = await mkdtemp(join(tmpdir(), "kflare-home-"));
    // A first row makes kubectl print its header once the list is done: then the watch is open.
    await ok("create", "configmap", "present", "--from-literal=k=v");
    const child = spawn(bin, ["get", "configmaps", "-w"], {
      env: { PATH: process.env.PATH ?? "", HOME: home, KUBECONFIG: cp.kubeconfigPath },
    });
    let out = "";
    child.stdout.on("data", (b: Buffer) => {
      out += b.toString();
    });
    try {
      await waitFor(() => /^present\s/m.test(out), 20_000);
      await ok("create", "configmap", "watched", "--from-literal=k=v");
      await waitFor(() => /^watched\s+1\s+/m.test(out), 20_000);
    } finally {
      child.kill("SIGKILL");
      await rm(home, { recursive: true, force: true });
    }
    expect(out).toMatch(/^watched\s+1\s+\d+s$/m);
  });
});

describe("typed clients send protobuf", () => {
  it("creates a namespace, a configmap and a secret", async () => {
    expect(await ok("create", "namespace", "demo")).toBe("namespace/demo created\n");
    expect(await ok("create", "configmap", "settings", "-n", "demo", "--from-literal=mode=fast")).toBe(
      "configmap/settings created\n",
    );
    expect(await ok("create", "secret", "generic", "creds", "-n", "demo", "--from-literal=password=s3cret")).toBe(
      "secret/creds created\n",
    );
    const secret = JSON.parse(await ok("get", "secret", "creds", "-n", "demo", "-o", "json"));
    expect(Buffer.from(secret.data.password, "base64").toString()).toBe("s3cret");
    expect(JSON.parse(await ok("get", "cm", "settings", "-n", "demo", "-o", "json")).data).toEqual({ mode: "fast" });
    expect(await ok("create", "deployment", "typed", "-n", "demo", "--image=myapp:1.2.0", "--replicas=2")).toBe(
      "deployment.apps/typed created\n",
    );
    expect(
      await ok(
        "get",
        "deploy",
        "typed",
        "-n",
        "demo",
        "-o",
        "jsonpath={.spec.replicas} {.spec.template.spec.containers[0].image}",
      ),
    ).toBe("2 myapp:1.2.0");
  });
});

describe("Ingress", () => {
  it("creates an Ingress with kubectl create (protobuf), in the default kflare class, and shows it", async () => {
    expect(rows(await ok("get", "ingressclass"))).toEqual([
      ["NAME", "CONTROLLER", "PARAMETERS", "AGE"],
      ["kflare", "kflare.dev/ingress", "<none>", expect.stringMatching(/^\d+[smh]/)],
    ]);
    expect(await ok("create", "ingress", "web", "--rule=web.example/*=web-app:80")).toBe(
      "ingress.networking.k8s.io/web created\n",
    );
    const [header, row] = rows(await ok("get", "ing", "web"));
    expect(header).toEqual(["NAME", "CLASS", "HOSTS", "ADDRESS", "PORTS", "AGE"]);
    expect(row!.slice(0, 3)).toEqual(["web", "kflare", "web.example"]);
    const ing = JSON.parse(await ok("get", "ingress", "web", "-o", "json"));
    expect(ing.spec.rules[0].http.paths[0]).toEqual({
      path: "/",
      pathType: "Prefix",
      backend: { service: { name: "web-app", port: { number: 80 } } },
    });
  });

  it("tells, as events, of a missing backend Service and of a route an older Ingress already serves", async () => {
    // web's backend (web-app) does not exist here; web-copy claims web's host and path after it
    // (created in the same second or later; ties go by namespace/name, so web stays first).
    expect(await ok("create", "ingress", "web-copy", "--rule=web.example/*=web-app:80")).toContain("created");
    const events = (name: string) =>
      ok(
        "get",
        "events",
        "--field-selector",
        `involvedObject.name=${name}`,
        "-o",
        'jsonpath={range .items[*]}{.reason}: {.message}{"\\n"}{end}',
      );
    await eventually("BackendNotFound on web", async () =>
      (await events("web")).includes('BackendNotFound: Service "web-app" not found'),
    );
    const copy = await eventually("RouteConflict on web-copy", async () => {
      const text = await events("web-copy");
      return text.includes("RouteConflict") ? text : undefined;
    });
    expect(copy).toContain("host web.example path / is already served by Ingress default/web (older)");
    expect(await events("web")).not.toContain("RouteConflict");
  });

  it("refuses an Ingress path without pathType, naming the field, and stores nothing", async () => {
    const file = join(dataDir, "bad-ingress.json");
    await writeFile(
      file,
      JSON.stringify({
        apiVersion: "networking.k8s.io/v1",
        kind: "Ingress",
        metadata: { name: "bad" },
        spec: {
          rules: [
            {
              host: "bad.example",
              http: { paths: [{ path: "/", backend: { service: { name: "x", port: { number: 80 } } } }] },
            },
          ],
        },
      }),
    );
    const r = await kubectl("apply", "-f", file);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified");
    expect((await kubectl("get", "ingress", "bad")).code).not.toBe(0);
  });
});

describe("authentication", () => {
  it("refuses a missing or a wrong token", async () => {
    const doc = parse(await readFile(cp.kubeconfigPath, "utf8"));
    // Without any credentials kubectl prompts for a password; a user with basic auth sends no token.
    for (const user of [{ username: "nobody", password: "nothing" }, { token: "not-the-token" }]) {
      doc.users[0].user = user;
      const path = join(dataDir, `bad-${Object.keys(user)[0]}.kubeconfig`);
      await writeFile(path, stringify(doc));
      const r = await runKubectl(["get", "pods"], { kubeconfig: path });
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(
        /error: You must be logged in to the server \((Unauthorized|the server has asked for the client to provide credentials)\)/,
      );
    }
  });
});

describe("auth can-i, whoami and --as", () => {
  it("answers for the admin and for a service account as their requests are decided", async () => {
    expect(await ok("auth", "whoami")).toMatch(/^Username\s+kflare:admin$/m);
    expect(await ok("auth", "can-i", "delete", "nodes")).toBe("yes\n");
    await ok("create", "serviceaccount", "reader");
    await ok("create", "role", "pod-reader", "--verb=get,list", "--resource=pods");
    await ok("create", "rolebinding", "reader", "--role=pod-reader", "--serviceaccount=default:reader");
    const token = (await ok("create", "token", "reader")).trim();
    const as = (...args: string[]) => kubectl(`--token=${token}`, ...args);
    expect((await as("auth", "whoami")).stdout).toMatch(/^Username\s+system:serviceaccount:default:reader$/m);
    const may = await as("auth", "can-i", "list", "pods");
    expect([may.code, may.stdout]).toEqual([0, "yes\n"]);
    const mayNot = await as("auth", "can-i", "delete", "pods");
    expect([mayNot.code, mayNot.stdout]).toEqual([1, "no\n"]);
    // What it was told is what it gets.
    expect((await as("get", "pods")).code).toBe(0);
    expect((await as("delete", "pod", "nginx")).stderr).toContain("Forbidden");
    expect((await as("auth", "can-i", "--list")).stdout).toMatch(/^pods\s+\[\]\s+\[\]\s+\[get list\]$/m);
    // The admin asks the same questions as the service account (--as), and gets its answers.
    const sa = "--as=system:serviceaccount:default:reader";
    expect(await ok("auth", "can-i", "list", "pods", sa)).toBe("yes\n");
    const asMayNot = await kubectl("auth", "can-i", "delete", "pods", sa);
    expect([asMayNot.code, asMayNot.stdout]).toEqual([1, "no\n"]);
    expect((await kubectl("get", "pods", "-n", "kube-system", sa)).stderr).toContain(
      'User "system:serviceaccount:default:reader" cannot list resource "pods"',
    );
    expect(await ok("auth", "whoami", "--as=jane", "--as-group=devs")).toMatch(
      /^Groups\s+\[devs system:authenticated\]$/m,
    );
    expect(await ok("explain", "selfsubjectaccessreview.spec")).toMatch(
      /^ {2}resourceAttributes\t<ResourceAttributes>$/m,
    );
  });
});

describe("helm", () => {
  it("installs, lists and uninstalls a release", async () => {
    const helm = (...args: string[]) => runHelm(args, { kubeconfig: cp.kubeconfigPath, timeoutMs: 90_000 });
    const install = await helm("install", "demo", CHART);
    expect(install.stderr).toBe("");
    expect(install.stdout).toContain("STATUS: deployed");
    expect(JSON.parse(await ok("get", "cm", "demo-config", "-o", "json")).data).toEqual({ greeting: "hello" });
    const list = await helm("list", "-o", "json");
    expect(JSON.parse(list.stdout)).toMatchObject([{ name: "demo", status: "deployed", revision: "1" }]);
    const uninstall = await helm("uninstall", "demo");
    expect(uninstall.stdout).toContain('release "demo" uninstalled');
    expect((await kubectl("get", "svc", "demo-svc")).code).not.toBe(0);
    expect(JSON.parse((await helm("list", "-o", "json")).stdout)).toEqual([]);
  });
});

async function waitFor(cond: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("kflare cluster", () => {
  it("creates a second cluster with its own kubeconfig, lists it and deletes it", async () => {
    const { spawnSync } = await import("node:child_process");
    const kflare = (...args: string[]) =>
      spawnSync(process.execPath, [join(ROOT, "cli/kflare.ts"), ...args], {
        cwd: dataDir,
        encoding: "utf8",
        env: { ...process.env, KUBECONFIG: cp.kubeconfigPath },
      });
    const created = kflare("cluster", "create", "staging");
    expect(created.stderr).toBe("");
    expect(created.stdout).toContain("Created cluster staging");
    const staging = join(dataDir, "staging.kubeconfig");
    const ns = await runKubectl(["get", "namespaces", "-o", "name"], { kubeconfig: staging });
    expect(ns.stdout).toContain("namespace/kube-system");
    await runKubectl(["create", "configmap", "only-in-staging"], { kubeconfig: staging });
    expect((await kubectl("get", "configmap", "only-in-staging")).code).not.toBe(0);
    expect(kflare("cluster", "list").stdout).toMatch(/^staging\t/m);
    expect(kflare("cluster", "delete", "staging").stdout).toContain("Deleted cluster staging");
    expect((await runKubectl(["get", "namespaces"], { kubeconfig: staging })).code).not.toBe(0);
    expect(kflare("cluster", "create", "Bad_Name").status).toBe(2);
  });
});
