// Streams of bulk data from a node (kubectl logs): the request waits for the agent to dial a data
// WebSocket for it, then gets its bytes. The first message says whether the agent could open the
// stream ({"ok":true} or {"status": <metav1.Status>}); after that, binary chunks, then close.

import { ApiError } from "../../api/errors.ts";

interface Pending {
  opened: (r: Response) => void;
  writer: WritableStreamDefaultWriter<Uint8Array> | undefined;
  timer: ReturnType<typeof setTimeout>;
}

const OPEN_TIMEOUT_MS = 15_000;
const encoder = new TextEncoder();

export class LogStreams {
  private readonly pending = new Map<string, Pending>();
  /** Closes the agent's data socket of a stream whose reader went away (kubectl logs -f ended). */
  private readonly hangUp: (id: string) => void;

  constructor(hangUp: (id: string) => void) {
    this.hangUp = hangUp;
  }

  /** Registers a stream; resolves with the response once the agent answers (or a Status if it cannot). */
  open(id: string, onTimeout: () => Response): Promise<Response> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve(onTimeout());
      }, OPEN_TIMEOUT_MS);
      this.pending.set(id, { opened: resolve, writer: undefined, timer });
    });
  }

  has(id: string): boolean {
    return this.pending.has(id);
  }

  /** A message on the stream's data socket. */
  message(id: string, data: string | ArrayBuffer): void {
    const p = this.pending.get(id);
    if (!p) return;
    if (p.writer) {
      p.writer.write(typeof data === "string" ? encoder.encode(data) : new Uint8Array(data)).catch(() => {
        // The reader (kubectl logs -f) went away: end the stream and hang up the agent's socket.
        this.close(id);
        this.hangUp(id);
      });
      return;
    }
    clearTimeout(p.timer);
    const first = typeof data === "string" ? safeJson(data) : undefined;
    const status =
      first && typeof first === "object"
        ? (first as { status?: { code?: number; message?: string; reason?: string } }).status
        : undefined;
    if (status) {
      this.pending.delete(id);
      const err = new ApiError(
        status.code ?? 500,
        (status.reason as "BadRequest") ?? "InternalError",
        status.message ?? "the node could not open the stream",
      );
      p.opened(Response.json(err.toStatus(), { status: err.code }));
      return;
    }
    const stream = new TransformStream<Uint8Array, Uint8Array>();
    p.writer = stream.writable.getWriter();
    p.opened(
      new Response(stream.readable, {
        headers: { "content-type": "text/plain", "content-encoding": "identity", "cache-control": "no-cache" },
      }),
    );
  }

  close(id: string): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    clearTimeout(p.timer);
    if (p.writer) p.writer.close().catch(() => {});
    else
      p.opened(
        Response.json(new ApiError(500, "InternalError", "the node closed the stream before answering").toStatus(), {
          status: 500,
        }),
      );
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
