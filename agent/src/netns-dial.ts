// A TCP connection to 127.0.0.1:<port> inside a pod's network namespace: how port-forward reaches a
// server that listens only on the pod's own loopback (kubelet gets there the same way: containerd's
// PortForward enters the namespace and dials localhost). Node cannot enter a namespace itself, so a
// relay does: `nsenter --net=<ns> node -e <RELAY> <port>`, whose stdin and stdout are the
// connection's two directions. Its first byte says the connection is up; a refusal is its stderr.
import { spawn } from "node:child_process";
import { Duplex } from "node:stream";

const CONNECTED = 1;

// CommonJS for `node -e`. Connect, say so with one byte, then copy both ways: the server's FIN
// ends stdout (the parent reads EOF), the parent's end of stdin ends the socket; the relay exits
// once the socket is closed both ways (stdout is written synchronously on Linux: nothing is lost).
const RELAY = `const p=Number(process.argv[1]);const s=require("node:net").connect(p,"127.0.0.1");
s.once("connect",()=>{process.stdout.write(Buffer.from([${CONNECTED}]));process.stdin.pipe(s);s.pipe(process.stdout);});
s.once("close",()=>process.exit(0));
s.once("error",(e)=>{process.stderr.write("dial tcp 127.0.0.1:"+p+" in the pod's network namespace: "+e.message);process.exit(1);});`;

export function dialInNetns(netns: string, port: number, timeoutMs: number): Promise<Duplex> {
  const child = spawn("nsenter", [`--net=${netns}`, "--", process.execPath, "-e", RELAY, String(port)], {
    stdio: ["pipe", "pipe", "pipe"],
    // The agent's own environment (its credential's path, proxies) is none of the relay's business.
    env: { PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin" },
  });
  // Writes after the relay is gone fail through the connection's write callback instead.
  child.stdin.on("error", () => {});
  return new Promise<Duplex>((resolve, reject) => {
    let stderr = "";
    let settled = false;
    const fail = (message: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(new Error(message));
    };
    const timer = setTimeout(() => fail(`dial tcp 127.0.0.1:${port}: i/o timeout`), timeoutMs);
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
    child.once("error", (err) => fail(`cannot enter the pod's network namespace: ${err.message}`));
    child.once("exit", (code) => fail(stderr.trim() || `the relay into the pod's network namespace exited (${code})`));
    child.stdout.once("data", (first: Buffer) => {
      if (first[0] !== CONNECTED) return fail(`the relay into the pod's network namespace answered ${first[0]}`);
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(relayConnection(child.stdout, child.stdin, first.subarray(1), () => child.kill("SIGKILL")));
    });
  });
}

/**
 * The relay's pipes as one connection that behaves as a TCP socket does (allowHalfOpen false):
 * the server's FIN ends the readable side and then the writable side; destroying it ends the relay.
 */
function relayConnection(
  fromPod: NodeJS.ReadableStream & { pause(): void; resume(): void },
  toPod: NodeJS.WritableStream,
  first: Buffer,
  kill: () => void,
): Duplex {
  const connection = new Duplex({
    allowHalfOpen: false,
    read: () => fromPod.resume(),
    write: (chunk: Buffer, _encoding, callback) => {
      toPod.write(chunk, (err) => callback(err ?? null));
    },
    final: (callback) => {
      toPod.end();
      callback();
    },
    destroy: (err, callback) => {
      kill();
      callback(err);
    },
  });
  if (first.length > 0) connection.push(first);
  fromPod.on("data", (chunk: Buffer) => {
    if (!connection.push(chunk)) fromPod.pause();
  });
  fromPod.on("end", () => connection.push(null));
  return connection;
}
