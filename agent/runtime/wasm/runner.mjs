// The wasm guest runner: one detached Node process per container, started by the wasm runtime as
//   node --wasm-max-mem-pages=N runner.mjs <run-config.json>
// with stdout and stderr already pointing at the container's log file. Plain JavaScript on purpose:
// it runs under the machine's Node 20+ with no TypeScript at run time, and it is shipped beside the
// agent bundle (preview2-shim starts a worker thread from its own files, so it cannot be bundled).
// The run config's shape is `RunConfig` in runner-config.ts.
//
// What it guarantees, whatever the guest does:
// - every byte the guest (or this runner) writes reaches the log file in CRI format, written
//   synchronously, so nothing is lost if the agent dies;
// - the guest sees only the preopens, env and args it was given, and no sockets: outbound TCP, UDP,
//   DNS and wasi:http outgoing requests are denied (an http guest only answers what it serves);
// - the outcome is recorded in the exit file before the process ends (except on SIGKILL, which the
//   runtime accounts for): exit code, reason (Completed, Error, OOMKilled) and finish time.
import { readFileSync, renameSync, writeFileSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";
import process from "node:process";
import { pathToFileURL } from "node:url";

const config = JSON.parse(readFileSync(process.argv[2] ?? "", "utf8"));
const capBytes = config.memoryCapPages * 65536;

// --- CRI log format: "<RFC3339Nano> <stream> <F|P> <content>\n", as containerd writes it. ---
// Nanosecond wall-clock time: the epoch at start in ns, advanced by the monotonic clock.
const epochNs = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();
function timestamp() {
  const ns = epochNs + process.hrtime.bigint();
  const iso = new Date(Number(ns / 1_000_000n)).toISOString();
  return `${iso.slice(0, 19)}.${String(ns % 1_000_000_000n).padStart(9, "0")}Z`;
}
// containerd splits lines longer than 16 KiB into partial (P) records; so do we.
const MAX_LINE = 16 * 1024;
const pending = { stdout: Buffer.alloc(0), stderr: Buffer.alloc(0) };
function record(stream, tag, content) {
  writeSync(1, Buffer.concat([Buffer.from(`${timestamp()} ${stream} ${tag} `), content, Buffer.from("\n")]));
}
function writeLog(stream, chunk) {
  let buf = Buffer.concat([pending[stream], typeof chunk === "string" ? Buffer.from(chunk) : Buffer.from(chunk)]);
  for (let nl = buf.indexOf(10); nl !== -1; nl = buf.indexOf(10)) {
    record(stream, "F", buf.subarray(0, nl));
    buf = buf.subarray(nl + 1);
  }
  while (buf.length > MAX_LINE) {
    record(stream, "P", buf.subarray(0, MAX_LINE));
    buf = buf.subarray(MAX_LINE);
  }
  pending[stream] = buf;
}
function flushLogs() {
  for (const stream of ["stdout", "stderr"]) {
    if (pending[stream].length > 0) record(stream, "F", pending[stream]);
    pending[stream] = Buffer.alloc(0);
  }
}
// preview2-shim writes guest stdout/stderr with process.stdout.write / process.stderr.write.
for (const stream of ["stdout", "stderr"]) {
  process[stream].write = (chunk, encoding, callback) => {
    writeLog(stream, chunk);
    const done = typeof encoding === "function" ? encoding : callback;
    if (typeof done === "function") queueMicrotask(done);
    return true;
  };
}

// --- Outcome, written once in the exit handler (process.exit from wasi:cli/exit lands here too). ---
let outcome;
function writeExitFile(exitCode) {
  const status = outcome ?? { exitCode, reason: exitCode === 0 ? "Completed" : "Error" };
  const body = JSON.stringify({ ...status, finishedAt: Date.now(), pid: process.pid });
  const tmp = join(dirname(config.exitPath), `.${process.pid}.exit.tmp`);
  writeFileSync(tmp, body);
  renameSync(tmp, config.exitPath);
}
process.on("exit", (code) => {
  flushLogs();
  writeExitFile(outcome?.exitCode ?? code);
});

// Memories of every core instance, to tell a trap at the memory cap (OOMKilled) from other traps.
const memories = [];
function instantiateCore(module, imports) {
  const instance = new WebAssembly.Instance(module, imports);
  // A server instantiates per request: forget memories that were collected.
  if (memories.length > 64) memories.splice(0, memories.length, ...memories.filter((ref) => ref.deref()));
  for (const value of Object.values(instance.exports)) {
    if (value instanceof WebAssembly.Memory) memories.push(new WeakRef(value));
  }
  return instance;
}
// V8 makes memory.grow fail at --wasm-max-mem-pages; the guest then traps (its allocator aborts).
// A trap with some memory within an eighth of the cap (at least 1 MiB) is taken as out of memory.
function nearCap() {
  const slack = Math.max(1 << 20, capBytes / 8);
  return memories.some((ref) => {
    const memory = ref.deref();
    return memory !== undefined && memory.buffer.byteLength + slack >= capBytes;
  });
}
function isOutOfMemory(error) {
  if (error instanceof RangeError && /memory/i.test(String(error.message))) return true;
  return error instanceof WebAssembly.RuntimeError && nearCap();
}
function fail(error) {
  if (isOutOfMemory(error)) {
    outcome = { exitCode: 137, reason: "OOMKilled", message: `memory limit of ${capBytes} bytes reached` };
    process.stderr.write(`wasm guest ran out of memory (limit ${capBytes} bytes): ${error.message}\n`);
  } else if (error instanceof WebAssembly.RuntimeError) {
    // As wasmtime does: a trap ends the guest like an abort.
    outcome = { exitCode: 134, reason: "Error", message: `wasm trap: ${error.message}` };
    process.stderr.write(`wasm trap: ${error.stack ?? error.message}\n`);
  } else if (error?.name === "ComponentError") {
    // wasi:cli/run returned err(()): the guest's own way of saying it failed.
    outcome = { exitCode: 1, reason: "Error", message: "wasi:cli/run returned an error" };
  } else {
    outcome = { exitCode: 1, reason: "Error", message: String(error?.message ?? error) };
    process.stderr.write(`${error instanceof RunnerError ? error.message : (error?.stack ?? String(error))}\n`);
  }
  process.exit(outcome.exitCode);
}
/** A failure of the runner's own making: its message says it all, no stack trace in the pod's log. */
class RunnerError extends Error {}
process.on("uncaughtException", fail);
process.on("unhandledRejection", fail);

// --- The guest's world: only what the pod spec gives it. ---
const cli = await import("@bytecodealliance/preview2-shim/cli");
const filesystem = await import("@bytecodealliance/preview2-shim/filesystem");
const sockets = await import("@bytecodealliance/preview2-shim/sockets");
const http = await import("@bytecodealliance/preview2-shim/http");
const { WASIShim } = await import("@bytecodealliance/preview2-shim/instantiation");
cli._setEnv(config.env);
cli._setArgs(config.args);
cli._setCwd(config.cwd);
// preview2-shim preopens the host's "/" read-write by default: replace it with the mounts only.
filesystem._setPreopens(Object.fromEntries(config.preopens.map((p) => [p.guest, p.host])));
enforceReadOnly(filesystem, new Set(config.preopens.filter((p) => p.readOnly).map((p) => p.guest)));
sockets._denyTcp();
sockets._denyUdp();
sockets._denyDnsLookup();
const deniedOutgoing = {
  handle() {
    throw { tag: "HTTP-request-denied" };
  },
};
const imports = new WASIShim({
  sandbox: { enableNetwork: false },
  http: { ...http, outgoingHandler: deniedOutgoing },
}).getImportObject();

const componentDir = dirname(config.component);
const coreModules = new Map();
function getCoreModule(name) {
  let module = coreModules.get(name);
  if (module === undefined) {
    module = new WebAssembly.Module(readFileSync(join(componentDir, name)));
    coreModules.set(name, module);
  }
  return module;
}
const component = await import(pathToFileURL(config.component).href);

if (config.kind === "command") {
  let root;
  try {
    root = component.instantiate(getCoreModule, imports, instantiateCore);
    root.run.run();
  } catch (error) {
    // A wasi:cli/run that returns err(()) surfaces as an error that is not a trap: exit 1.
    fail(error);
  }
  process.exit(0);
} else {
  serve();
}

function serve() {
  const { Fields, OutgoingResponse, OutgoingBody, ResponseOutparam } = http.types;
  // Requests are handled synchronously one at a time on this thread, so one flag tells whether the
  // guest already answered the current request (a trap after that must not answer twice). The
  // transpiled component calls ResponseOutparam.set through the class at call time.
  let answered = false;
  const setResponse = ResponseOutparam.set;
  ResponseOutparam.set = (param, response) => {
    answered = true;
    return setResponse.call(ResponseOutparam, param, response);
  };
  // Each request gets a fresh instance, as wasi:http's proxy world expects (wasmtime serve does
  // the same): no state leaks between requests, and engines such as StarlingMonkey that serve one
  // request per instance work. Core modules are compiled once.
  const handler = {
    handle(request, responseOut) {
      answered = false;
      try {
        const root = component.instantiate(getCoreModule, imports, instantiateCore);
        root.incomingHandler.handle(request, responseOut);
      } catch (error) {
        if (isOutOfMemory(error)) fail(error);
        process.stderr.write(`wasm trap while handling a request: ${error?.stack ?? error}\n`);
        if (!answered) internalError(responseOut);
      }
    },
  };
  function internalError(responseOut) {
    const response = new OutgoingResponse(new Fields());
    response.setStatusCode(500);
    const body = response.body();
    ResponseOutparam.set(responseOut, { tag: "ok", val: response });
    const stream = body.write();
    stream.blockingWriteAndFlush(new TextEncoder().encode("wasm guest trapped\n"));
    stream[Symbol.dispose]?.();
    OutgoingBody.finish(body, undefined);
  }
  const server = new http.HTTPServer(handler);
  try {
    server.listen(config.listen.port, config.listen.host);
  } catch (error) {
    fail(new RunnerError(`cannot listen on ${config.listen.host}:${config.listen.port}: ${error?.message ?? error}`));
  }
  // A server stops cleanly on SIGTERM (the guest has no say in it): exit 0, as nginx does.
  process.on("SIGTERM", () => {
    server.stop();
    process.exit(0);
  });
}

// preview2-shim has no read-only preopens, so readOnly mounts (ConfigMaps, Secrets...) are enforced
// here: descriptors of a read-only preopen, and every descriptor opened through one, refuse all
// that writes. The transpiled component calls these methods on the shim's own objects.
function enforceReadOnly(filesystem, readOnlyGuestPaths) {
  if (readOnlyGuestPaths.size === 0) return;
  const readOnly = new WeakSet();
  for (const [descriptor, guestPath] of filesystem._getPreopens()) {
    if (readOnlyGuestPaths.has(guestPath)) readOnly.add(descriptor);
  }
  const proto = filesystem.types.Descriptor.prototype;
  const refuse = (name) => {
    const original = proto[name];
    proto[name] = function (...args) {
      if (readOnly.has(this)) throw "read-only";
      return original.apply(this, args);
    };
  };
  for (const name of [
    "write",
    "writeViaStream",
    "appendViaStream",
    "setSize",
    "setTimes",
    "setTimesAt",
    "createDirectoryAt",
    "removeDirectoryAt",
    "unlinkFileAt",
    "symlinkAt",
    "linkAt",
    "renameAt",
  ]) {
    refuse(name);
  }
  // renameAt and linkAt also write into their second descriptor.
  for (const name of ["renameAt", "linkAt"]) {
    const guarded = proto[name];
    proto[name] = function (oldPathOrFlags, ...rest) {
      const target = rest.find((arg) => arg instanceof filesystem.types.Descriptor);
      if (target !== undefined && readOnly.has(target)) throw "read-only";
      return guarded.call(this, oldPathOrFlags, ...rest);
    };
  }
  const openAt = proto.openAt;
  proto.openAt = function (pathFlags, path, openFlags, descriptorFlags) {
    if (!readOnly.has(this)) return openAt.call(this, pathFlags, path, openFlags, descriptorFlags);
    if (openFlags.create || openFlags.truncate || descriptorFlags.write || descriptorFlags.mutateDirectory) {
      throw "read-only";
    }
    const opened = openAt.call(this, pathFlags, path, openFlags, descriptorFlags);
    readOnly.add(opened);
    return opened;
  };
}
