// The benchmark's floor: the same Worker -> Durable Object RPC -> SQLite insert path the API's
// creates take, with no API logic (no auth, routing, decoding, admission, revision log or
// controllers). Its throughput is what the platform itself allows; the API is judged against it.
// GET opens a watch: a stream from the object to which every later insert writes its body as one
// `{"type":"ADDED","object":...}` line, delivered as the API's watch hub delivers (one write in
// flight per watcher, lines meanwhile joined into the next chunk) minus selectors and bounds.
import { DurableObject } from "cloudflare:workers";

/** The part of workerd's SqlStorage the floor uses. */
interface FloorSql {
  exec(query: string, ...bindings: (string | number)[]): unknown;
}

/** The part of workerd's DurableObjectState the floor uses. */
export interface FloorState {
  storage: { sql: FloorSql };
}

/** What a stub of FloorStore offers over RPC. */
interface FloorRpc {
  insert(body: string): Promise<void>;
  watch(): Promise<ReadableStream<Uint8Array>>;
}

/** workerd's native pass-through stream (what the API's watch hub uses too). */
declare class IdentityTransformStream {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<ArrayBufferView>;
}

interface FloorNamespace {
  idFromName(name: string): unknown;
  get(id: unknown): unknown;
}

interface FloorEnv {
  FLOOR_STORE: FloorNamespace;
}

const encoder = new TextEncoder();

class FloorWatcher {
  private readonly writer: WritableStreamDefaultWriter<ArrayBufferView>;
  private writing = false;
  private pending: Uint8Array[] = [];
  private readonly onError: () => void;

  constructor(writer: WritableStreamDefaultWriter<ArrayBufferView>, onError: () => void) {
    this.writer = writer;
    this.onError = onError;
  }

  send(bytes: Uint8Array): void {
    if (this.writing) this.pending.push(bytes);
    else this.flush(bytes);
  }

  private flush(bytes: Uint8Array): void {
    this.writing = true;
    this.writer.write(bytes).then(() => {
      this.writing = false;
      if (this.pending.length === 0) return;
      const parts = this.pending;
      this.pending = [];
      const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
      let offset = 0;
      for (const p of parts) {
        out.set(p, offset);
        offset += p.byteLength;
      }
      this.flush(out);
    }, this.onError);
  }
}

export class FloorStore extends DurableObject {
  private readonly sql: FloorSql;
  private readonly watchers = new Set<FloorWatcher>();

  constructor(ctx: FloorState, env: FloorEnv) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    // A pod-sized JSON per row, as the API's `objects` table holds; no index beyond the rowid.
    this.sql.exec("CREATE TABLE IF NOT EXISTS bodies (id INTEGER PRIMARY KEY, body TEXT NOT NULL)");
  }

  /** One SQLite insert, nothing else: the floor under the API's create. */
  insert(body: string): void {
    this.sql.exec("INSERT INTO bodies (body) VALUES (?)", body);
    if (this.watchers.size === 0) return;
    // workerd copies what is written, so one encoding serves every watcher.
    const line = encoder.encode(`{"type":"ADDED","object":${body}}\n`);
    for (const w of this.watchers) w.send(line);
  }

  watch(): ReadableStream<Uint8Array> {
    const stream = new IdentityTransformStream();
    const watcher = new FloorWatcher(stream.writable.getWriter(), () => this.watchers.delete(watcher));
    this.watchers.add(watcher);
    return stream.readable;
  }
}

function store(env: FloorEnv): FloorRpc {
  // One object, as the API keeps one store object per cluster.
  return env.FLOOR_STORE.get(env.FLOOR_STORE.idFromName("floor")) as FloorRpc;
}

export default {
  async fetch(request: Request, env: FloorEnv): Promise<Response> {
    if (request.method === "GET" && new URL(request.url).searchParams.get("watch") === "true") {
      const stream = await store(env).watch();
      // `identity` keeps workerd from gzipping (and so buffering) the stream, as the API does.
      return new Response(stream, { headers: { "content-type": "application/json", "content-encoding": "identity" } });
    }
    if (request.method !== "POST") return new Response("ok", { headers: { "content-type": "text/plain" } });
    const body = await request.text();
    await store(env).insert(body);
    // Echo the body, as a create answers with the object: comparable bytes on the wire both ways.
    return new Response(body, { status: 201, headers: { "content-type": "application/json" } });
  },
};
