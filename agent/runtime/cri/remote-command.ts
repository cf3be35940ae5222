// A client of containerd's streaming server for one exec or attach session: the URL the CRI Exec or
// Attach call returned, upgraded to SPDY/3.1 with remotecommand protocol v4.channel.k8s.io, as
// kubelet's clients speak it. One SPDY stream per role (error, stdin, stdout, stderr, resize) named
// by a `streamtype` header; stdin ends with a FIN (the half-close containerd's WebSocket endpoint
// lacks); the error stream carries the final metav1.Status as JSON (Success, or Failure with reason
// NonZeroExitCode and the exit code), after which the server says GOAWAY.

import { request as httpRequest } from "node:http";
import type { Socket } from "node:net";
import {
  controlStreamId,
  dataFrame,
  GOAWAY,
  HeaderBlockWriter,
  PING,
  pingFrame,
  RST_CANCEL,
  RST_STREAM,
  rstStreamFrame,
  SpdyFrameReader,
  SYN_REPLY,
  synStreamFrame,
} from "./spdy-frames.ts";

const PROTOCOL = "v4.channel.k8s.io";
const CONNECT_TIMEOUT_MS = 10_000;

export interface RemoteCommandOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
  /** Bytes the command wrote: channel 1 stdout, 2 stderr. */
  output: (channel: 1 | 2, data: Buffer) => void;
}

type Role = "error" | "stdin" | "stdout" | "stderr" | "resize";

export class RemoteCommand {
  private readonly socket: Socket;
  private readonly streams = new Map<Role, number>();
  private readonly roles = new Map<number, Role>();
  private readonly options: RemoteCommandOptions;
  private status = "";
  private ended = false;
  private resolveFinished: (status: string) => void = () => undefined;
  /** The final Status JSON from the error stream ("" when the session ended without one). */
  readonly finished: Promise<string>;

  private constructor(socket: Socket, options: RemoteCommandOptions) {
    this.socket = socket;
    this.options = options;
    this.finished = new Promise((resolve) => {
      this.resolveFinished = resolve;
    });
  }

  /** Upgrades `url` and opens the session's streams; rejects with the server's answer if it refuses. */
  static connect(url: string, options: RemoteCommandOptions): Promise<RemoteCommand> {
    const target = new URL(url);
    return new Promise((resolve, reject) => {
      const req = httpRequest({
        host: target.hostname,
        port: target.port,
        path: `${target.pathname}${target.search}`,
        method: "POST",
        headers: { connection: "Upgrade", upgrade: "SPDY/3.1", "x-stream-protocol-version": PROTOCOL },
        timeout: CONNECT_TIMEOUT_MS,
      });
      req.on("timeout", () => req.destroy(new Error("the container runtime's streaming server did not answer")));
      req.on("error", reject);
      req.on("response", (res) => {
        let body = "";
        res.on("data", (b: Buffer) => (body += b.toString()));
        res.on("end", () => reject(new Error(`streaming server answered ${res.statusCode}: ${body.trim()}`)));
      });
      req.on("upgrade", (res, socket, head) => {
        socket.setTimeout(0);
        if (res.headers["x-stream-protocol-version"] !== PROTOCOL) {
          socket.destroy();
          reject(new Error(`streaming server did not agree to ${PROTOCOL}`));
          return;
        }
        const session = new RemoteCommand(socket, options);
        session.open(head).then(() => resolve(session), reject);
      });
      req.end();
    });
  }

  /** Creates the streams and waits until the server has replied to each. */
  private open(head: Buffer): Promise<void> {
    const wanted: Role[] = ["error"];
    if (this.options.stdin) wanted.push("stdin");
    if (this.options.stdout) wanted.push("stdout");
    if (this.options.stderr && !this.options.tty) wanted.push("stderr");
    if (this.options.tty) wanted.push("resize");
    const headers = new HeaderBlockWriter();
    const waiting = new Set<number>();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.close();
        reject(new Error("the streaming server did not accept the session's streams"));
      }, CONNECT_TIMEOUT_MS);
      const reader = new SpdyFrameReader();
      const onBytes = (chunk: Buffer) => {
        for (const frame of reader.push(chunk)) {
          if (frame.kind === "data") {
            this.onData(frame.streamId, frame.data, frame.fin);
            continue;
          }
          if (frame.type === SYN_REPLY) {
            // The server handles a stream's frames in order: data sent after its reply is taken.
            waiting.delete(controlStreamId(frame.payload));
            if (waiting.size === 0) {
              clearTimeout(timer);
              resolve();
            }
          } else if (frame.type === RST_STREAM && waiting.has(controlStreamId(frame.payload))) {
            clearTimeout(timer);
            this.close();
            reject(new Error("the streaming server refused a stream"));
          } else if (frame.type === PING) this.socket.write(pingFrame(frame.payload));
          else if (frame.type === GOAWAY) this.end();
        }
      };
      this.socket.on("data", onBytes);
      this.socket.on("close", () => {
        clearTimeout(timer);
        // Rejecting is a no-op once the session has opened.
        reject(new Error("the streaming server closed the connection"));
        this.end();
      });
      this.socket.on("error", () => undefined);
      let id = 1;
      for (const role of wanted) {
        this.streams.set(role, id);
        this.roles.set(id, role);
        waiting.add(id);
        this.socket.write(synStreamFrame(id, headers.block({ streamtype: role })));
        id += 2;
      }
      if (head.length > 0) onBytes(head);
    });
  }

  private onData(streamId: number, data: Buffer, fin: boolean): void {
    const role = this.roles.get(streamId);
    if (role === "stdout" && data.length > 0) this.options.output(1, data);
    else if (role === "stderr" && data.length > 0) this.options.output(2, data);
    else if (role === "error") {
      this.status += data.toString("utf8");
      if (fin) this.end();
    }
  }

  /** Sends stdin bytes; false when the connection's buffer is full (wait for `writable()`). */
  writeStdin(data: Uint8Array): boolean {
    const id = this.streams.get("stdin");
    if (id === undefined || this.ended || data.length === 0) return true;
    return this.socket.write(dataFrame(id, data));
  }

  /** Resolves once buffered writes have drained. */
  writable(): Promise<void> {
    if (!this.socket.writableNeedDrain) return Promise.resolve();
    return new Promise((resolve) => this.socket.once("drain", () => resolve()));
  }

  /** Half-closes stdin: the command reads end of file. */
  endStdin(): void {
    const id = this.streams.get("stdin");
    if (id !== undefined && !this.ended) this.socket.write(dataFrame(id, new Uint8Array(0), true));
  }

  /** A terminal size as kubectl sends it: {"Width":80,"Height":24}. */
  resize(json: Uint8Array): void {
    const id = this.streams.get("resize");
    if (id !== undefined && !this.ended) this.socket.write(dataFrame(id, json));
  }

  /** Stops reading output until resume() (the reader is slower than the command). */
  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.resolveFinished(this.status);
    // containerd closes its side only once every stream is closed on both sides: drop the connection.
    this.socket.destroy();
  }

  /** Abandons the session (the client went away). */
  close(): void {
    if (!this.ended && !this.socket.destroyed) {
      for (const id of this.roles.keys()) this.socket.write(rstStreamFrame(id, RST_CANCEL));
    }
    this.end();
  }
}
