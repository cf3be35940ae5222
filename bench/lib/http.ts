// The benchmark's client: Node https with keep-alive connections, TLS verified against the
// installation's CA (as kubectl does with its pinned CA), a bearer token on the API.
import { Agent, request } from "node:https";

export interface Target {
  /** e.g. https://127.0.0.1:8787 */
  url: string;
  caPem: string;
  /** Bearer token; none for the floor Worker. */
  token?: string;
}

export interface Reply {
  status: number;
  body: string;
}

export class Client {
  readonly target: Target;
  readonly agent: Agent;
  private readonly host: string;
  private readonly port: number;
  private readonly auth: string | undefined;

  /** `maxSockets` bounds concurrent connections; closed-loop phases set it to their concurrency. */
  constructor(target: Target, maxSockets: number) {
    this.target = target;
    const u = new URL(target.url);
    this.host = u.hostname;
    this.port = Number(u.port);
    this.auth = target.token === undefined ? undefined : `Bearer ${target.token}`;
    // Keep-alive: every phase measures requests on warm connections, not TLS handshakes.
    this.agent = new Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets, ca: target.caPem });
  }

  /** One request; resolves with the status and the whole body, rejects only on transport errors. */
  send(method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const h: Record<string, string> = { ...headers };
      if (this.auth !== undefined) h.authorization = this.auth;
      if (body !== undefined) {
        h["content-type"] ??= "application/json";
        h["content-length"] = String(Buffer.byteLength(body));
      }
      const req = request({ host: this.host, port: this.port, method, path, headers: h, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      });
      req.on("error", reject);
      req.end(body);
    });
  }

  /** Like send, but a status other than `expect` is an error naming the request and the answer. */
  async must(method: string, path: string, expect: number, body?: string, headers?: Record<string, string>) {
    const r = await this.send(method, path, body, headers);
    if (r.status !== expect)
      throw new Error(`${method} ${path}: ${r.status} (expected ${expect}): ${r.body.slice(0, 300)}`);
    return r;
  }

  close(): void {
    this.agent.destroy();
  }
}
