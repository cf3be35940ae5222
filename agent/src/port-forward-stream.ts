// kubectl port-forward on the agent: the data socket the node's Durable Object asked for carries
// kubectl's SPDY/3.1 byte stream unchanged (binary messages, arbitrary boundaries); this file
// answers {"ok":true}, feeds it to a PortForwardSession and dials the pod's ports from the node's
// network namespace (pods are on the node's bridge), or, when the pod's address refuses, on the
// pod's own loopback inside its namespace (netns-dial.ts). Why a connection fails (the pod is gone, the
// port refuses) reaches kubectl on that connection's error stream. Flow control: the pod's sockets
// stop being read while the data socket has more than HIGH_WATER bytes unsent, and the data socket
// stops being read while a pod connection is full.

import { connect, type Socket } from "node:net";
import type { Duplex } from "node:stream";
import WebSocket from "ws";
import type { OpenPortForwardStreamFrame } from "../../schemas/agent/protocol.ts";
import { dialInNetns } from "./netns-dial.ts";
import type { PodTarget } from "./pod-address.ts";
import { PortForwardSession } from "./port-forward-session.ts";

/** What port-forward needs from the node: where one of its pods is. */
export interface PortForwardWorkload {
  podTarget(pod: string, uid: string): Promise<PodTarget>;
}

const HIGH_WATER = 1 << 20;
const LOW_WATER = 256 << 10;
const OPEN_TIMEOUT_MS = 15_000;
const DIAL_TIMEOUT_MS = 10_000;

export function servePortForwardStream(
  frame: OpenPortForwardStreamFrame,
  ws: WebSocket,
  workload: PortForwardWorkload,
  log: (line: string) => void,
): void {
  ws.on("error", (err) => log(`port-forward stream ${frame.namespace}/${frame.pod}: ${err.message}`));
  const timer = setTimeout(() => ws.terminate(), OPEN_TIMEOUT_MS);
  let paused = false;
  let blocked = 0;
  const session = new PortForwardSession({
    pod: frame.pod,
    uid: frame.uid,
    log,
    send: (bytes) => {
      if (ws.readyState !== WebSocket.OPEN) return;
      ws.send(bytes, { binary: true }, () => {
        if (paused && ws.bufferedAmount < LOW_WATER) {
          paused = false;
          session.setUpstreamPaused(false);
        }
      });
      if (!paused && ws.bufferedAmount > HIGH_WATER) {
        paused = true;
        session.setUpstreamPaused(true);
      }
    },
    blocked: (drained) => {
      if (blocked++ === 0) ws.pause();
      drained.then(() => {
        if (--blocked === 0) ws.resume();
      });
    },
    dial: async (port) => dialPod(await workload.podTarget(frame.pod, frame.uid), port),
  });
  ws.on("close", () => {
    clearTimeout(timer);
    session.close();
  });
  ws.on("message", (data, isBinary) => {
    if (!isBinary) return;
    session.push(Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data));
  });
  ws.once("open", () => {
    clearTimeout(timer);
    ws.send(JSON.stringify({ ok: true }));
  });
}

/**
 * The pod's port on its address; refused there, on its own loopback, inside its network namespace
 * (a server bound to 127.0.0.1 only, which upstream's port-forward reaches too).
 */
async function dialPod(target: PodTarget, port: number): Promise<Duplex> {
  try {
    return await dial(target.address, port);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ECONNREFUSED") throw err;
    const netns = await target.netns().catch(() => undefined);
    if (netns === undefined) throw err;
    // Refused there too: the pod's address said it first, and says it to kubectl.
    return dialInNetns(netns, port, DIAL_TIMEOUT_MS).catch(() => {
      throw err;
    });
  }
}

/** A TCP connection to host:port, within DIAL_TIMEOUT_MS. */
function dial(host: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`dial tcp ${host}:${port}: i/o timeout`));
    }, DIAL_TIMEOUT_MS);
    socket.once("connect", () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once("error", (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(Object.assign(new Error(`dial tcp ${host}:${port}: ${err.message}`), { code: err.code }));
    });
  });
}
