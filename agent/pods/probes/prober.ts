// One probe attempt: an HTTP GET, a TCP connect or a command run in the container, bounded by the
// probe's timeout on the agent's clock. HTTP counts 200-399 as success as upstream does (redirects
// are not followed; a 3xx is success). Failure texts are Go's, since they end up in Unhealthy events.

import http from "node:http";
import https from "node:https";
import net from "node:net";
import type { Container } from "../../../schemas/core/container.ts";
import type { HTTPGetAction, Probe, TCPSocketAction } from "../../../schemas/core/probe.ts";
import { type ContainerRuntime, RuntimeError } from "../../runtime/types.ts";
import type { Clock } from "../clock.ts";

export type ProbeOutcome =
  | { result: "success" }
  | { result: "failure"; output: string }
  | { result: "error"; error: string };

export interface ProbeTarget {
  container: Container;
  containerId: string;
  podIP: string | undefined;
}

/** The kubelet's User-Agent on probe requests; some servers special-case it. */
export const PROBE_USER_AGENT = "kube-probe/1.35";

export function resolvePort(port: string | number | undefined, container: Container): number | undefined {
  if (typeof port === "number") return port;
  if (port === undefined) return undefined;
  if (/^\d+$/.test(port)) return Number(port);
  return container.ports?.find((p) => p.name === port)?.containerPort;
}

function hostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Node's socket errors in the words Go's net package uses. */
function dialError(err: unknown, address: string): string {
  const code = (err as { code?: string }).code;
  if (code === "ECONNREFUSED") return `dial tcp ${address}: connect: connection refused`;
  if (code === "EHOSTUNREACH") return `dial tcp ${address}: connect: no route to host`;
  if (code === "ENETUNREACH") return `dial tcp ${address}: connect: network is unreachable`;
  return `dial tcp ${address}: ${err instanceof Error ? err.message : String(err)}`;
}

function withTimeout<T>(
  clock: Clock,
  ms: number,
  run: (signal: AbortSignal) => Promise<T>,
  onTimeout: () => T,
): Promise<T> {
  const ac = new AbortController();
  return new Promise<T>((resolve, reject) => {
    const cancel = clock.setTimer(ms, () => {
      ac.abort();
      resolve(onTimeout());
    });
    run(ac.signal).then(
      (v) => {
        cancel();
        resolve(v);
      },
      (e: unknown) => {
        cancel();
        reject(e);
      },
    );
  });
}

function httpProbe(action: HTTPGetAction, target: ProbeTarget, signal: AbortSignal): Promise<ProbeOutcome> {
  const port = resolvePort(action.port, target.container);
  const host = action.host || target.podIP || "127.0.0.1";
  if (port === undefined) return Promise.resolve({ result: "error", error: `unknown port: ${String(action.port)}` });
  const scheme = (action.scheme ?? "HTTP").toLowerCase() === "https" ? "https" : "http";
  let path = action.path || "/";
  if (!path.startsWith("/")) path = `/${path}`;
  const url = `${scheme}://${hostPort(host, port)}${path}`;
  const headers: Record<string, string> = { "User-Agent": PROBE_USER_AGENT, Accept: "*/*" };
  for (const h of action.httpHeaders ?? []) if (h.name) headers[h.name] = h.value ?? "";
  return new Promise((resolve) => {
    const request = (scheme === "https" ? https : http).request(
      { host, port, path, method: "GET", headers, signal, rejectUnauthorized: false, agent: false },
      (res) => {
        res.resume();
        const code = res.statusCode ?? 0;
        if (code >= 200 && code < 400) resolve({ result: "success" });
        else resolve({ result: "failure", output: `HTTP probe failed with statuscode: ${code}` });
      },
    );
    // After a timeout the abort lands here too; the caller has already taken the timeout's result.
    request.on("error", (err) => {
      resolve({ result: "failure", output: `Get ${JSON.stringify(url)}: ${dialError(err, hostPort(host, port))}` });
    });
    request.end();
  });
}

function tcpProbe(action: TCPSocketAction, target: ProbeTarget, signal: AbortSignal): Promise<ProbeOutcome> {
  const port = resolvePort(action.port, target.container);
  const host = action.host || target.podIP || "127.0.0.1";
  if (port === undefined) return Promise.resolve({ result: "error", error: `unknown port: ${String(action.port)}` });
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (outcome: ProbeOutcome): void => {
      socket.destroy();
      resolve(outcome);
    };
    signal.addEventListener("abort", () => done({ result: "failure", output: "aborted" }), { once: true });
    socket.once("connect", () => done({ result: "success" }));
    socket.once("error", (err) => done({ result: "failure", output: dialError(err, hostPort(host, port)) }));
  });
}

async function execProbe(
  runtime: ContainerRuntime,
  cmd: string[],
  target: ProbeTarget,
  timeoutSeconds: number,
): Promise<ProbeOutcome> {
  try {
    const r = await runtime.execSync(target.containerId, cmd, timeoutSeconds);
    if (r.exitCode === 0) return { result: "success" };
    const output = Buffer.concat([Buffer.from(r.stdout), Buffer.from(r.stderr)]).toString("utf8");
    return {
      result: "failure",
      output: output || `command ${JSON.stringify(cmd.join(" "))} exited with ${r.exitCode}`,
    };
  } catch (err) {
    if (err instanceof RuntimeError && err.reason === "NotSupported") {
      return { result: "error", error: `exec probes are not supported by the ${runtime.name} runtime` };
    }
    return { result: "error", error: err instanceof Error ? err.message : String(err) };
  }
}

export async function runProbe(
  probe: Probe,
  target: ProbeTarget,
  runtime: ContainerRuntime,
  clock: Clock,
): Promise<ProbeOutcome> {
  const timeoutSeconds = probe.timeoutSeconds || 1;
  const timeoutMs = timeoutSeconds * 1000;
  if (probe.httpGet) {
    const action = probe.httpGet;
    const port = resolvePort(action.port, target.container) ?? 0;
    const url = `${(action.scheme ?? "HTTP").toLowerCase()}://${hostPort(action.host || target.podIP || "127.0.0.1", port)}${action.path || "/"}`;
    return withTimeout(
      clock,
      timeoutMs,
      (signal) => httpProbe(action, target, signal),
      () => ({
        result: "failure",
        output: `Get ${JSON.stringify(url)}: context deadline exceeded (Client.Timeout exceeded while awaiting headers)`,
      }),
    );
  }
  if (probe.tcpSocket) {
    const action = probe.tcpSocket;
    const address = hostPort(
      action.host || target.podIP || "127.0.0.1",
      resolvePort(action.port, target.container) ?? 0,
    );
    return withTimeout(
      clock,
      timeoutMs,
      (signal) => tcpProbe(action, target, signal),
      () => ({
        result: "failure",
        output: `dial tcp ${address}: i/o timeout`,
      }),
    );
  }
  if (probe.exec) {
    const cmd = probe.exec.command ?? [];
    return withTimeout(
      clock,
      timeoutMs,
      () => execProbe(runtime, cmd, target, timeoutSeconds),
      () => ({
        result: "failure",
        output: `command timed out: ${JSON.stringify(cmd.join(" "))} timed out after ${timeoutSeconds}s`,
      }),
    );
  }
  if (probe.grpc) return { result: "error", error: "gRPC probes are not supported by this agent yet" };
  return { result: "error", error: "probe has no handler" };
}
