// A network namespace for tests that run pods with their own network (bridges, veths, iptables
// rules): everything happens in it, the machine's own network and firewall stay as they were
// (snapshot() before and after proves it). It has only a loopback, so pods in it reach nothing
// beyond this machine. forward() makes a port of the machine's loopback (the control plane, a
// registry) reachable on the namespace's own 127.0.0.1, through a unix socket.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { connect, createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const FORWARDER = join(import.meta.dirname, "netns-forward.mjs");

/** The machine's network state a test must leave as it found it: firewall rules and links. */
export function hostNetworkSnapshot(): { iptables: string; links: string } {
  const iptables = execFileSync("iptables-save", { encoding: "utf8" })
    .split("\n")
    .filter((line) => !line.startsWith("#"))
    .map((line) => line.replace(/\[\d+:\d+\]/g, "[0:0]"))
    .join("\n");
  const links = execFileSync("ip", ["-o", "link"], { encoding: "utf8" });
  return { iptables, links };
}

export class TestNetns {
  readonly name: string;
  private readonly dir: string;
  private readonly servers: Server[] = [];
  private readonly children: ChildProcess[] = [];
  private readonly sockets = new Set<Socket>();
  /** Bytes carried through forward(), by port, both directions (TCP payload: TLS included). */
  readonly bytes = new Map<number, number>();

  private constructor(name: string) {
    this.name = name;
    this.dir = mkdtempSync(join(tmpdir(), "kflare-netns-"));
  }

  static create(prefix: string): TestNetns {
    const ns = new TestNetns(`${prefix}-${randomBytes(3).toString("hex")}`);
    execFileSync("ip", ["netns", "add", ns.name]);
    execFileSync("ip", ["-n", ns.name, "link", "set", "lo", "up"]);
    return ns;
  }

  /**
   * The words that run a command in the namespace. nsenter enters the network namespace only:
   * `ip netns exec` also mounts a fresh /sys, which hides the cgroup mounts runc needs.
   */
  prefix(): string[] {
    return ["nsenter", `--net=/run/netns/${this.name}`, "--"];
  }

  exec(command: string, args: string[], timeoutMs = 30_000): string {
    const [bin, ...rest] = this.prefix();
    return execFileSync(bin ?? "nsenter", [...rest, command, ...args], { encoding: "utf8", timeout: timeoutMs });
  }

  spawn(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): ChildProcess {
    const [bin, ...rest] = this.prefix();
    return spawn(bin ?? "nsenter", [...rest, command, ...args], { stdio: ["ignore", "pipe", "pipe"], env });
  }

  /**
   * Starts a process in the namespace and resolves once it prints "ready"; it is stopped with the
   * namespace. Rejects, with what it printed on stderr, if it exits or is not ready in time.
   */
  spawnReady(command: string, args: string[], what: string, timeoutMs = 10_000): Promise<ChildProcess> {
    const child = this.spawn(command, args);
    this.children.push(child);
    return new Promise((resolve, reject) => {
      let out = "";
      let err = "";
      const timer = setTimeout(() => reject(new Error(`${what} not ready in ${timeoutMs} ms: ${err}`)), timeoutMs);
      child.stderr?.on("data", (b: Buffer) => {
        err += b.toString();
      });
      child.stdout?.on("data", (b: Buffer) => {
        out += b.toString();
        if (out.includes("ready")) {
          clearTimeout(timer);
          resolve(child);
        }
      });
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`${what} exited (${code}): ${err}`));
      });
    });
  }

  /**
   * Routes `cidr` out of a veth (`dev`, at `address`/24) to a neighbour (.2 of that /24) that never
   * answers: a packet for `cidr` reaches something only if a DNAT rule sends it elsewhere first.
   */
  routeToSilentNeighbour(cidr: string, dev: string, address: string): void {
    const neighbour = `${address.split(".").slice(0, 3).join(".")}.2`;
    this.exec("ip", ["link", "add", dev, "type", "veth", "peer", "name", `${dev}-peer`]);
    this.exec("ip", ["link", "set", dev, "up"]);
    this.exec("ip", ["link", "set", `${dev}-peer`, "up"]);
    this.exec("ip", ["addr", "add", `${address}/24`, "dev", dev]);
    this.exec("ip", ["neigh", "add", neighbour, "lladdr", "02:00:00:00:00:02", "dev", dev, "nud", "permanent"]);
    this.exec("ip", ["route", "add", cidr, "via", neighbour, "dev", dev]);
  }

  /** Makes each 127.0.0.1 port of the machine reachable on the namespace's 127.0.0.1, same number. */
  async forward(ports: number[]): Promise<void> {
    const args: string[] = [];
    for (const port of ports) {
      const socket = join(this.dir, `port-${port}.sock`);
      const server = createServer((inner) => {
        const outer = connect(port, "127.0.0.1");
        // No Nagle delay on the relay (see netns-forward.mjs).
        outer.setNoDelay(true);
        this.sockets.add(inner).add(outer);
        inner.once("close", () => this.sockets.delete(inner));
        outer.once("close", () => this.sockets.delete(outer));
        const count = (b: Buffer) => this.bytes.set(port, (this.bytes.get(port) ?? 0) + b.length);
        inner.on("data", count);
        outer.on("data", count);
        inner.pipe(outer).pipe(inner);
        inner.on("error", () => outer.destroy());
        outer.on("error", () => inner.destroy());
      });
      await new Promise<void>((resolve) => server.listen(socket, resolve));
      this.servers.push(server);
      args.push(`${port}=${socket}`);
    }
    await this.spawnReady(process.execPath, [FORWARDER, ...args], "netns forwarder", 30_000);
  }

  /** Stops the forwarders, deletes the namespace (its links and rules go with it). */
  async destroy(): Promise<void> {
    for (const child of this.children.splice(0)) {
      // A child already stopped (by signal: exitCode stays null) has no exit left to wait for.
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        await exited;
      }
    }
    // Connections still open (keep-alive) would hold close() forever.
    for (const socket of this.sockets) socket.destroy();
    for (const server of this.servers.splice(0)) await new Promise((resolve) => server.close(resolve));
    try {
      execFileSync("ip", ["netns", "delete", this.name]);
    } catch {
      // already gone
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
