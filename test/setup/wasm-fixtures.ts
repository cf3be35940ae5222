// Test WebAssembly components, built offline from the WAT sources in test/fixtures/wasm with jco's
// own wasm-tools (the same steps as `jco parse` + `jco new --wasi-command`), once: each output is
// cached under node_modules/.cache/kflare-wasm by a hash of its sources. Also starts a loopback
// OCI registry (Debian's `docker-registry`) for the tests that pull.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import bcrypt from "bcryptjs";

const ROOT = resolve(import.meta.dirname, "../..");
const SOURCES = join(ROOT, "test/fixtures/wasm");
const CACHE = join(ROOT, "node_modules/.cache/kflare-wasm");
const WASI_WIT = join(ROOT, "node_modules/@bytecodealliance/jco/lib/wit/builtin/0.2.12");
/** Bump when the build steps change, so cached outputs are rebuilt. */
const BUILD_VERSION = "1";

/** Paths of the built components (.wasm files). */
export interface WasmFixtures {
  /** Prints "hello from wasm", exits 0. */
  hello: string;
  /** Prints "tick <n>" every 200 ms, forever. */
  ticker: string;
  /** Prints "failing with exit code 3" on stderr, exits 3. */
  exitCode: string;
  /** Prints "arg: <a>" per argument and "env: <NAME=value>" per variable. */
  echo: string;
  /** Grows memory until memory.grow fails, then traps. */
  memoryHog: string;
  /** Lists its preopens, writes out.txt, prints in.txt, tries ../escape.txt (exit 0 when refused). */
  files: string;
  /** wasi:http incoming-handler: "hello from wasi:http <path>". */
  httpHello: string;
}

/** A WAT source wrapped with the preview1 command adapter, or with a world of fixtures.wit. */
const FIXTURES: Record<keyof WasmFixtures, { wat: string; world?: string }> = {
  hello: { wat: "hello.wat" },
  ticker: { wat: "ticker.wat" },
  exitCode: { wat: "exit-code.wat", world: "exit-code" },
  echo: { wat: "echo.wat" },
  memoryHog: { wat: "memory-hog.wat" },
  files: { wat: "files.wat" },
  httpHello: { wat: "http-hello.wat", world: "http-hello" },
};

let built: Promise<WasmFixtures> | undefined;

/** Builds (or finds in the cache) every fixture component; returns their paths. */
export function wasmFixtures(): Promise<WasmFixtures> {
  built ??= buildAll();
  return built;
}

async function buildAll(): Promise<WasmFixtures> {
  mkdirSync(CACHE, { recursive: true });
  const paths: Partial<WasmFixtures> = {};
  for (const [name, spec] of Object.entries(FIXTURES) as [keyof WasmFixtures, { wat: string; world?: string }][]) {
    paths[name] = await buildOne(name, spec.wat, spec.world);
  }
  return paths as WasmFixtures;
}

async function buildOne(name: string, watFile: string, world: string | undefined): Promise<string> {
  const wat = readFileSync(join(SOURCES, watFile), "utf8");
  const wit = world === undefined ? "" : readFileSync(join(SOURCES, "fixtures.wit"), "utf8");
  const hash = createHash("sha256")
    .update(`${BUILD_VERSION}\0${wat}\0${world ?? ""}\0${wit}`)
    .digest("hex");
  const out = join(CACHE, `${name}-${hash.slice(0, 16)}.wasm`);
  if (existsSync(out)) return out;
  // jco is loaded only when something has to be built (its wasm-tools take ~1 s to load).
  const jco = await import("@bytecodealliance/jco");
  const core = await jco.parse(wat);
  let component: Uint8Array;
  if (world === undefined) {
    const adapter = readFileSync(jco.preview1AdapterCommandPath());
    component = await jco.componentNew(core, [["wasi_snapshot_preview1", adapter]]);
  } else {
    const witDir = witPackage();
    try {
      const embedded = await jco.componentEmbed({ binary: core, witPath: witDir, world });
      component = await jco.componentNew(embedded);
    } finally {
      rmSync(witDir, { recursive: true, force: true });
    }
  }
  // Written under a temporary name, then renamed: parallel test files may build at once.
  const tmp = `${out}.${process.pid}.tmp`;
  writeFileSync(tmp, component);
  renameSync(tmp, out);
  return out;
}

/** A WIT directory with fixtures.wit and, under deps/, the WASI 0.2.12 packages jco bundles. */
function witPackage(): string {
  const dir = mkdtempSync(join(tmpdir(), "kflare-wit-"));
  for (const pkg of ["cli", "clocks", "filesystem", "http", "io", "random", "sockets"]) {
    const target = join(dir, "deps", pkg);
    mkdirSync(target, { recursive: true });
    writeFileSync(join(target, "package.wit"), readFileSync(join(WASI_WIT, `wasi-${pkg}`, "package.wit")));
  }
  writeFileSync(join(dir, "world.wit"), readFileSync(join(SOURCES, "fixtures.wit")));
  return dir;
}

/** A running loopback registry, or why there is none. */
export type LoopbackRegistry =
  | { available: true; host: string; stop(): Promise<void> }
  | { available: false; reason: string; stop(): Promise<void> };

/** A user the registry asks for (HTTP basic auth, as a private registry does). */
export interface RegistryUser {
  username: string;
  password: string;
}

/**
 * Starts Debian's `docker-registry` (distribution 2.8) on 127.0.0.1 with its storage in a temporary
 * directory; installs the package first when it is missing and we are root on Debian. With `user`,
 * every request needs that user's password (htpasswd auth, bcrypt as distribution requires).
 */
export async function startLoopbackRegistry(user?: RegistryUser): Promise<LoopbackRegistry> {
  const none = async () => {};
  const binary = findRegistryBinary();
  if (binary === undefined) return { available: false, reason: installHint(), stop: none };
  const dir = mkdtempSync(join(tmpdir(), "kflare-registry-"));
  const port = await freePort();
  if (user) writeFileSync(join(dir, "htpasswd"), `${user.username}:${bcrypt.hashSync(user.password, 10)}\n`);
  writeFileSync(
    join(dir, "config.yml"),
    [
      "version: 0.1",
      "log: {level: warn, accesslog: {disabled: true}}",
      `storage: {filesystem: {rootdirectory: ${dir}/data}, delete: {enabled: true}}`,
      `http: {addr: "127.0.0.1:${port}"}`,
      ...(user ? [`auth: {htpasswd: {realm: kflare-test, path: ${dir}/htpasswd}}`] : []),
      "",
    ].join("\n"),
  );
  const child: ChildProcess = spawn(binary, ["serve", join(dir, "config.yml")], { stdio: "ignore" });
  const stop = async () => {
    if (child.pid !== undefined && child.exitCode === null) {
      const exited = new Promise((done) => child.once("exit", done));
      child.kill("SIGTERM");
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const host = `127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`http://${host}/v2/`);
      // An authenticated registry answers 401 until asked with credentials: up all the same.
      if (response.ok || (user && response.status === 401)) return { available: true, host, stop };
    } catch {
      // not listening yet
    }
    await new Promise((done) => setTimeout(done, 50));
  }
  await stop();
  return { available: false, reason: `docker-registry did not answer on ${host} within 10 s`, stop: none };
}

function findRegistryBinary(): string | undefined {
  if (existsSync("/usr/bin/docker-registry")) return "/usr/bin/docker-registry";
  const isRoot = process.getuid?.() === 0;
  if (!isRoot || !existsSync("/etc/debian_version")) return undefined;
  try {
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    execFileSync("apt-get", ["update", "-qq"], { stdio: "ignore", env, timeout: 120_000 });
    execFileSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", "docker-registry"], {
      stdio: "ignore",
      env,
      timeout: 180_000,
    });
  } catch {
    return undefined;
  }
  return existsSync("/usr/bin/docker-registry") ? "/usr/bin/docker-registry" : undefined;
}

function installHint(): string {
  return "no OCI registry: install Debian's docker-registry package (apt-get install docker-registry) to run these tests";
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => done(port));
    });
  });
}
