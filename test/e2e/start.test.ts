// The local control plane as users get it: startControlPlane (what `npm start` wraps) on workerd,
// the real kubectl verifying TLS through the pinned CA, restarts keeping credentials, and `npm start`
// itself as a child process stopped with Ctrl-C.
import { type ChildProcess, spawn } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { request } from "node:https";
import { isIPv4 } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { type ControlPlane, startControlPlane } from "../../cli/local-control-plane.ts";
import { localAddresses } from "../../cli/net.ts";
import { createCa } from "../../cli/pki.ts";
import { runKubectl, toolBinaries } from "../tools/binaries.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
let dataDir: string;
const logs: string[] = [];

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "kflare-e2e-start-"));
  await toolBinaries();
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

async function withControlPlane<T>(fn: (cp: ControlPlane) => Promise<T>): Promise<T> {
  const cp = await startControlPlane({ dataDir, port: 0, log: (line) => logs.push(line) });
  try {
    return await fn(cp);
  } finally {
    await cp.stop();
  }
}

it("serves kubectl over TLS verified through the installation's CA", async () => {
  await withControlPlane(async (cp) => {
    const kubeconfig = await readFile(cp.kubeconfigPath, "utf8");
    expect(kubeconfig).not.toContain("insecure-skip-tls-verify");
    const r = await runKubectl(["version", "--kubeconfig", cp.kubeconfigPath], { kubeconfig: "/nonexistent" });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Server Version: v1\.\d+/);

    // The same kubeconfig pinning some other CA must fail: kubectl really verifies the chain.
    const doc = parse(kubeconfig);
    doc.clusters[0].cluster["certificate-authority-data"] = Buffer.from((await createCa()).certPem).toString("base64");
    const wrongCa = join(dataDir, "wrong-ca.kubeconfig");
    await writeFile(wrongCa, stringify(doc));
    const rejected = await runKubectl(["version", "--request-timeout=10s"], { kubeconfig: wrongCa });
    expect(rejected.code).not.toBe(0);
    expect(rejected.stderr).toMatch(/certificate signed by unknown authority|x509/);
  });
  expect(logs.join("\n")).toMatch(/Ready at https:\/\/127\.0\.0\.1:\d+ in .* first 200 on \/healthz/);
});

it("keeps the CA and the admin token across restarts on the same data dir", async () => {
  const first = await withControlPlane(async (cp) => ({ caPem: cp.caPem, token: cp.adminToken }));
  const second = await withControlPlane(async (cp) => {
    const r = await runKubectl(["version"], { kubeconfig: cp.kubeconfigPath });
    expect(r.code).toBe(0);
    return { caPem: cp.caPem, token: cp.adminToken };
  });
  expect(second).toEqual(first);
  expect(await readFile(join(dataDir, ".dev.vars"), "utf8")).not.toContain(first.token);
});

const lanAddress = localAddresses().find((a) => isIPv4(a));

it.skipIf(lanAddress === undefined)(
  "binds to HOST, certifies it under the same CA, and points the kubeconfig at it",
  async () => {
    const host = lanAddress ?? "";
    const before = await withControlPlane(async (cp) => cp.caPem);
    const cp = await startControlPlane({ dataDir, port: 0, host, log: (line) => logs.push(line) });
    try {
      expect(cp.url).toMatch(new RegExp(`^https://${host.replaceAll(".", "\\.")}:\\d+$`));
      expect(cp.caPem).toBe(before);
      expect(new X509Certificate(await readFile(join(dataDir, "pki", "server.crt"))).checkIP(host)).toBe(host);
      const r = await runKubectl(["version"], { kubeconfig: cp.kubeconfigPath });
      expect(r.code, r.stderr).toBe(0);
    } finally {
      await cp.stop();
    }
  },
);

it("keeps Durable Object state across restarts and loads .sql modules as text", async () => {
  // A stand-in Worker with the same shape (a SQLite ClusterStore, a migration imported as text),
  // so this holds whatever the real API currently serves.
  const dir = join(dataDir, "fixture");
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "schema.sql"), "CREATE TABLE IF NOT EXISTS hits (id INTEGER PRIMARY KEY);");
  await writeFile(join(dir, "index.ts"), FIXTURE_WORKER);
  await writeFile(
    join(dir, "wrangler.toml"),
    [
      'name = "kflare"',
      'main = "index.ts"',
      'compatibility_date = "2026-11-01"',
      'compatibility_flags = ["nodejs_compat"]',
      "[[durable_objects.bindings]]",
      'name = "CLUSTER_STORE"',
      'class_name = "ClusterStore"',
      "[[migrations]]",
      'tag = "v1"',
      'new_sqlite_classes = ["ClusterStore"]',
      "[vars]",
      'GREETING = "from wrangler.toml"',
    ].join("\n"),
  );
  const counts: string[] = [];
  for (let i = 0; i < 2; i++) {
    const cp = await startControlPlane({
      dataDir: join(dataDir, "fixture-data"),
      port: 0,
      wranglerConfigPath: join(dir, "wrangler.toml"),
      vars: { OVERRIDDEN: "by the caller" },
    });
    try {
      counts.push(await httpsGet(`${cp.url}/bump`, cp.caPem));
      const vars = JSON.parse(await httpsGet(`${cp.url}/vars`, cp.caPem));
      expect(vars).toEqual({ greeting: "from wrangler.toml", overridden: "by the caller", hashed: true });
    } finally {
      await cp.stop();
    }
  }
  expect(counts).toEqual(["1", "2"]);
});

const FIXTURE_WORKER = `
import { DurableObject } from "cloudflare:workers";
import schema from "./schema.sql";
export class ClusterStore extends DurableObject {
  bump() {
    this.ctx.storage.sql.exec(schema);
    this.ctx.storage.sql.exec("INSERT INTO hits DEFAULT VALUES");
    return this.ctx.storage.sql.exec("SELECT count(*) AS n FROM hits").one().n;
  }
}
export default {
  async fetch(request, env) {
    const path = new URL(request.url).pathname;
    if (path === "/healthz") return new Response("ok");
    if (path === "/vars") {
      const hashed = /^[0-9a-f]{64}$/.test(env.ADMIN_TOKEN_HASH);
      return Response.json({ greeting: env.GREETING, overridden: env.OVERRIDDEN, hashed });
    }
    return new Response(String(await env.CLUSTER_STORE.get(env.CLUSTER_STORE.idFromName("x")).bump()));
  },
};
`;

function httpsGet(url: string, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca }, (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => {
        body += chunk.toString();
      });
      res.on("end", () => resolve(body));
    });
    req.on("error", reject);
    req.end();
  });
}

it("`npm start` prints the export line and exits 0 on Ctrl-C", async () => {
  const npmDataDir = join(dataDir, "npm-start");
  // Its own process group, so the SIGINT reaches npm, node and workerd together, as Ctrl-C in a
  // terminal does. bash as npm's script shell execs the script's command, so npm's exit status is
  // start.ts's own (a dash `sh` in between is itself killed by the SIGINT, and npm re-raises that);
  // it also makes start.ts receive the SIGINT twice (terminal and npm), as on macOS.
  const child = spawn(
    "npm",
    ["start", "--", "--no-agent", "--port", "0", "--ingress-port", "0", "--data-dir", npmDataDir],
    {
      cwd: ROOT,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, PORT: "", HOST: "", npm_config_script_shell: "/bin/bash" },
    },
  );
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (b: Buffer) => {
    stdout += b.toString();
  });
  child.stderr?.on("data", (b: Buffer) => {
    stderr += b.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  try {
    const started = () => stdout.includes("export KUBECONFIG=");
    // Stop waiting as soon as the child dies too: its output then says why.
    await waitUntil(
      () => started() || child.exitCode !== null,
      60_000,
      () => `${stdout}\n${stderr}`,
    );
    expect(started(), `npm start exited early:\n${stdout}\n${stderr}`).toBe(true);
    const kubeconfigPath = join(npmDataDir, "kubeconfig");
    expect(stdout).toContain(`export KUBECONFIG=${kubeconfigPath}`);
    expect(stdout).toContain("kubectl");
    const token = (parse(await readFile(kubeconfigPath, "utf8")) as { users: { user: { token: string } }[] }).users[0]
      ?.user.token;
    expect(token).toBeTruthy();
    expect(stdout + stderr).not.toContain(token);
    // Ingress traffic has its own port: a host no Ingress names gets the edge's 404, never the API.
    const ingressUrl = /Ingress traffic: (http:\/\/\S+) /.exec(stdout)?.[1];
    expect(ingressUrl, stdout).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${ingressUrl}/version`);
    expect(res.status).toBe(404);
    expect(await res.text()).toMatch(/^404 Not Found: no Ingress serves host "127\.0\.0\.1:\d+" path "\/version"/);
    expect(stdout).toContain("LoadBalancer Services get <name>-<namespace>.kflare.localhost");

    signalGroup(child, "SIGINT");
    const code = await withTimeout(exited, 30_000, "npm start did not exit within 30 s of SIGINT");
    expect(code, stdout + stderr).toBe(0);
    expect(stdout).toContain("Stopped.");
    expect(stdout + stderr).not.toMatch(/crashed/);
    // Nothing of the group (npm, node, workerd) is left running.
    await waitUntil(
      () => !groupAlive(child),
      10_000,
      () => "process group still alive",
    );
  } finally {
    if (groupAlive(child)) signalGroup(child, "SIGKILL");
  }
});

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

function groupAlive(child: ChildProcess): boolean {
  if (child.pid === undefined) return false;
  try {
    process.kill(-child.pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitUntil(cond: () => boolean, timeoutMs: number, describe: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms; output:\n${describe()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
