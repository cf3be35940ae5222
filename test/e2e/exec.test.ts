// kubectl exec and attach end to end, for real: kubectl 1.35 (WebSocket, v5.channel.k8s.io) ->
// the Worker -> the node's Durable Object -> a data socket of `k-agent` (root, in a network
// namespace, with its own containerd) -> containerd's streaming server (SPDY) -> the container.
// Exit codes, stdin to end of file, separate stdout and stderr, a terminal and its size, attach;
// and the clear errors for a WebAssembly pod, a completed pod and an unknown container.
// The setup is the shared ContainerNode fixture (control plane as `npm start` starts it, busybox
// images from a loopback registry), plus the wasm ticker component for the WebAssembly pod.

import { spawn } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pushWasmArtifact } from "../../agent/runtime/wasm/push.ts";
import type { Obj } from "../../cli/kube-client.ts";
import { wasmFixtures } from "../setup/wasm-fixtures.ts";
import { type RunResult, runKubectl, toolBinaries } from "../tools/binaries.ts";
import { ContainerNode } from "../tools/container-node.ts";

const cluster = new ContainerNode({
  name: "kflare-exec",
  nodeName: "e2e-exec",
  vars: { NODE_KEEPALIVE_SECONDS: "1", NODE_GRACE_PERIOD_SECONDS: "4" },
});

/** kubectl as the user runs it: the result, exit code included (exec's exit codes are the point). */
function kubectl(...args: string[]): Promise<RunResult> {
  return runKubectl(args, { kubeconfig: cluster.cp.kubeconfigPath, timeoutMs: 60_000 });
}

function pod(name: string, spec: Record<string, unknown>): object {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name },
    spec: { terminationGracePeriodSeconds: 0, ...spec },
  };
}

async function phaseOf(name: string): Promise<string | undefined> {
  const p = await cluster.client.get<Obj>(`/api/v1/namespaces/default/pods/${name}`).catch(() => undefined);
  return (p?.status as { phase?: string } | undefined)?.phase;
}

beforeAll(async () => {
  await cluster.setUp();
  if (cluster.unavailable) return;
  const registry = cluster.registry;
  if (!registry?.available) throw new Error("no registry");
  await pushWasmArtifact(registry.host, "kflare-test/wasm-ticker", "1", await readFile((await wasmFixtures()).ticker));
  const wasmImage = `${registry.host}/kflare-test/wasm-ticker:1`;
  await cluster.join();
  const images = cluster.images;
  await cluster.apply(
    pod("shell", { containers: [{ name: "main", image: images.hello, command: ["sleep", "3600"] }] }),
  );
  await cluster.apply(pod("ticker", { containers: [{ name: "main", image: images.ticker }] }));
  await cluster.apply(pod("done", { restartPolicy: "Never", containers: [{ name: "main", image: images.hello }] }));
  await cluster.apply(pod("component", { runtimeClassName: "wasm", containers: [{ name: "main", image: wasmImage }] }));
  await cluster.eventually("pods started", async () => {
    const phases = await Promise.all(["shell", "ticker", "done", "component"].map(phaseOf));
    return phases.join(" ") === "Running Running Succeeded Running";
  });
}, 600_000);

afterAll(() => cluster.tearDown(), 180_000);

describe("kubectl exec and attach into containerd pods", { timeout: 120_000 }, () => {
  it("prints a command's output and exits 0", async ({ skip }) => {
    if (cluster.unavailable) return skip(cluster.unavailable);
    const r = await kubectl("exec", "shell", "--", "echo", "hello");
    expect(r).toMatchObject({ code: 0, stdout: "hello\n" });
  });

  it("exits with the command's exit code", async ({ skip }) => {
    if (cluster.unavailable) return skip(cluster.unavailable);
    const r = await kubectl("exec", "shell", "--", "sh", "-c", "exit 3");
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("command terminated with exit code 3");
  });

  it("keeps stdout and stderr apart", async ({ skip }) => {
    if (cluster.unavailable) return skip(cluster.unavailable);
    const r = await kubectl("exec", "shell", "--", "sh", "-c", "echo out; echo err >&2");
    expect(r).toMatchObject({ code: 0, stdout: "out\n", stderr: "err\n" });
  });

  it("passes stdin through to its end (-i)", async ({ skip }) => {
    if (cluster.unavailable) return skip(cluster.unavailable);
    const r = await runKubectl(["exec", "-i", "shell", "--", "cat"], {
      kubeconfig: cluster.cp.kubeconfigPath,
      timeoutMs: 60_000,
      input: "hi\n",
    });
    expect(r).toMatchObject({ code: 0, stdout: "hi\n" });
    const big = "x".repeat(200_000);
    const counted = await runKubectl(["exec", "-i", "shell", "--", "wc", "-c"], {
      kubeconfig: cluster.cp.kubeconfigPath,
      timeoutMs: 60_000,
      input: big,
    });
    expect(counted.stdout.trim()).toBe(String(big.length));
  });

  it("streams large output whole", async ({ skip }) => {
    if (cluster.unavailable) return skip(cluster.unavailable);
    const r = await kubectl("exec", "shell", "--", "sh", "-c", "head -c 5000000 /dev/zero | tr '\\0' x");
    expect(r.code).toBe(0);
    expect(r.stdout.length).toBe(5_000_000);
    expect(/^x+$/.test(r.stdout)).toBe(true);
  });

  it("copies files in and out with kubectl cp (tar over exec)", async ({ skip }) => {
    if (cluster.unavailable) return skip(cluster.unavailable);
    const local = join(cluster.dataDir, "copied.txt");
    await writeFile(local, "copied through exec\n");
    const into = await kubectl("cp", local, "shell:/tmp/copied.txt");
    expect(into.code, into.stderr).toBe(0);
    expect((await kubectl("exec", "shell", "--", "cat", "/tmp/copied.txt")).stdout).toBe("copied through exec\n");
    const back = join(cluster.dataDir, "back.txt");
    const out = await kubectl("cp", "shell:/tmp/copied.txt", back);
    expect(out.code, out.stderr).toBe(0);
    expect(await readFile(back, "utf8")).toBe("copied through exec\n");
  });

  it("gives -t a terminal of the client's size, and its keystrokes", async ({ skip }) => {
    if (cluster.unavailable) return skip(cluster.unavailable);
    // script(1) gives kubectl a terminal; kubectl sends its size on the resize channel. The size
    // lands just after the command starts (as with kubelet), so the command polls for it (busybox
    // stty prints nothing, and exits 0, while there is none), then waits for a line typed on the
    // terminal.
    const { kubectl: bin } = await toolBinaries();
    const command =
      'tty; until s=$(stty size 2>/dev/null) && [ -n "$s" ]; do usleep 20000; done; echo $s; read line; echo got $line';
    const inner = `stty cols 123 rows 45; KUBECONFIG=${cluster.cp.kubeconfigPath} ${bin} exec -i -t shell -- sh -c '${command}'`;
    const r = await runTool("script", ["-qec", inner, "/dev/null"], {
      answer: (out) => (/45 123/.test(out) ? "bye\r" : undefined),
    });
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/^\/dev\/pts\/\d+\r\n45 123\r\n.*got bye\r\n/s);
  });

  it("attaches to a running container's output, and to its stdin (-i)", async ({ skip }) => {
    if (cluster.unavailable) return skip(cluster.unavailable);
    // attach follows until the container ends: this one never does, so kubectl is stopped once
    // ticks have arrived.
    const { kubectl: bin } = await toolBinaries();
    const env = { KUBECONFIG: cluster.cp.kubeconfigPath };
    const ticks = await runTool(bin, ["attach", "ticker"], { env, stopWhen: (out) => /tick \d+\n/.test(out) });
    expect(ticks.stdout).toMatch(/tick \d+\n/);
    // A container answering each line of its stdin: what attach -i sends reaches it. (Its own
    // exit is not waited for: containerd may end an attach before the last output is copied.)
    await cluster.apply(
      pod("reader", {
        containers: [
          {
            name: "main",
            image: cluster.images.hello,
            stdin: true,
            command: ["sh", "-c", "while read line; do echo read $line; done"],
          },
        ],
      }),
    );
    await cluster.eventually("reader Running", async () => (await phaseOf("reader")) === "Running");
    const r = await runTool(bin, ["attach", "-i", "reader"], {
      env,
      input: "hello\n",
      stopWhen: (out) => out.includes("read hello\n"),
    });
    expect(r.stdout).toContain("read hello\n");
  });

  it("refuses WebAssembly pods, completed pods and unknown containers clearly", async ({ skip }) => {
    if (cluster.unavailable) return skip(cluster.unavailable);
    const wasm = await kubectl("exec", "component", "--", "ls");
    expect(wasm.code).not.toBe(0);
    expect(wasm.stderr).toContain("exec is not supported for WebAssembly pods");
    const done = await kubectl("exec", "done", "--", "ls");
    expect(done.code).not.toBe(0);
    expect(done.stderr).toContain("cannot exec into a container in a completed pod; current phase is Succeeded");
    const unknown = await kubectl("exec", "shell", "-c", "web", "--", "ls");
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain("container web is not valid for pod shell");
  });
});

interface RunToolOptions {
  env?: Record<string, string>;
  /** What to type at once. */
  input?: string;
  /** One reply to type once the output so far calls for it. */
  answer?: (output: string) => string | undefined;
  /** Stop the program (SIGTERM) once the output so far satisfies this. */
  stopWhen?: (output: string) => boolean;
}

/**
 * Runs a program, collecting its output (stdout and stderr, bounded by a timeout). Its stdin stays
 * open until it exits: script(1) would pass an end of file on to the terminal.
 */
async function runTool(
  command: string,
  args: string[],
  opts: RunToolOptions,
): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      stdio: ["pipe", "pipe", "pipe"],
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: cluster.dataDir, ...opts.env },
    });
    let stdout = "";
    let answered = false;
    if (opts.input !== undefined) child.stdin.write(opts.input);
    const onData = (b: Buffer) => {
      stdout += b.toString();
      const reply = answered ? undefined : opts.answer?.(stdout);
      if (reply !== undefined) {
        answered = true;
        child.stdin.write(reply);
      }
      if (opts.stopWhen?.(stdout)) child.kill("SIGTERM");
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout });
    });
  });
}
