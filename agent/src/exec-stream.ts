// kubectl exec and attach on the agent: the data socket the node's Durable Object asked for carries
// v5.channel.k8s.io frames (one channel byte, then bytes) to and from kubectl unchanged; this file
// turns them into a session with containerd's streaming server (remote-command.ts) and back.
// Flow control: output stops being read from containerd while the data socket has more than
// HIGH_WATER bytes unsent; stdin stops being read from the socket while containerd's connection
// is full. The first text message says whether the session opened ({"ok":true} or {"status":...}).

import WebSocket from "ws";
import type { OpenExecStreamFrame } from "../../schemas/agent/protocol.ts";
import { RemoteCommand } from "../runtime/cri/remote-command.ts";
import { type ContainerStreamRequest, StreamRefused } from "./container-streams.ts";

/** What exec needs from the node: the streaming URL for a container of one of its pods. */
export interface ExecWorkload {
  containerStreamUrl(request: ContainerStreamRequest): Promise<string>;
}

const CHANNEL_STDIN = 0;
const CHANNEL_STATUS = 3;
const CHANNEL_RESIZE = 4;
const CHANNEL_CLOSE = 255;
const HIGH_WATER = 1 << 20;
const LOW_WATER = 256 << 10;
const OPEN_TIMEOUT_MS = 15_000;

/** The Status kubectl gets when the runtime ended the session without one. */
const LOST =
  '{"metadata":{},"status":"Failure","message":"the container runtime ended the session without an exit status","reason":"InternalError","code":500}';

export function serveExecStream(
  frame: OpenExecStreamFrame,
  ws: WebSocket,
  workload: ExecWorkload,
  log: (line: string) => void,
): void {
  const pending: Buffer[] = [];
  let remote: RemoteCommand | undefined;
  let closed = false;
  ws.on("error", (err) => log(`${frame.kind} stream ${frame.pod}/${frame.container}: ${err.message}`));
  // A data socket that never opens is given up (the control plane has timed the session out).
  const timer = setTimeout(() => ws.terminate(), OPEN_TIMEOUT_MS);
  ws.on("close", () => {
    closed = true;
    clearTimeout(timer);
    remote?.close();
  });
  ws.on("message", (data, isBinary) => {
    if (!isBinary) return;
    const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    if (remote) deliver(remote, bytes);
    else pending.push(bytes);
  });

  const deliver = (session: RemoteCommand, bytes: Buffer) => {
    const channel = bytes[0];
    const body = bytes.subarray(1);
    if (channel === CHANNEL_STDIN) {
      if (!session.writeStdin(body)) {
        ws.pause();
        session.writable().then(() => ws.resume());
      }
    } else if (channel === CHANNEL_RESIZE) session.resize(body);
    else if (channel === CHANNEL_CLOSE && body[0] === CHANNEL_STDIN) session.endStdin();
  };

  const refuse = (code: number, reason: string, message: string) => {
    if (ws.readyState === WebSocket.OPEN) {
      ws.send(JSON.stringify({ status: { code, reason, message } }));
      ws.close(1000);
    }
  };

  const start = async () => {
    const request: ContainerStreamRequest = {
      kind: frame.kind,
      command: frame.command,
      pod: frame.pod,
      uid: frame.uid,
      container: frame.container,
      stdin: frame.stdin,
      stdout: frame.stdout,
      stderr: frame.stderr,
      tty: frame.tty,
    };
    let session: RemoteCommand | undefined;
    // Output that arrives while the session is still opening waits for the {"ok":true} message.
    let early: Buffer[] | undefined = [];
    const send = (frame: Buffer) => {
      if (ws.readyState !== WebSocket.OPEN) return;
      ws.send(frame, { binary: true }, () => {
        if (ws.bufferedAmount < LOW_WATER) session?.resume();
      });
      if (ws.bufferedAmount > HIGH_WATER) session?.pause();
    };
    try {
      const url = await workload.containerStreamUrl(request);
      session = await RemoteCommand.connect(url, {
        ...request,
        output: (channel, data) => {
          const frame = Buffer.concat([Buffer.from([channel]), data]);
          if (early) early.push(frame);
          else send(frame);
        },
      });
    } catch (error) {
      if (error instanceof StreamRefused) refuse(error.code, error.reason, error.message);
      else {
        const doing = frame.kind === "exec" ? "executing command" : "attaching";
        refuse(500, "InternalError", `error ${doing} in container: ${(error as Error).message}`);
      }
      return;
    }
    if (closed) {
      session.close();
      return;
    }
    ws.send(JSON.stringify({ ok: true }));
    for (const frame of early.splice(0)) send(frame);
    early = undefined;
    remote = session;
    for (const bytes of pending.splice(0)) deliver(session, bytes);
    const status = await session.finished;
    if (ws.readyState !== WebSocket.OPEN) return;
    ws.send(Buffer.concat([Buffer.from([CHANNEL_STATUS]), Buffer.from(status || LOST)]), { binary: true });
    ws.close(1000);
  };

  ws.once("open", () => {
    clearTimeout(timer);
    start().catch((err: unknown) => log(`${frame.kind} stream failed: ${String(err)}`));
  });
}
