// A small Kubernetes REST client for kflare's own Node tools (the node simulator, the kflare CLI,
// benchmarks): JSON over one keep-alive HTTPS agent pinned to the cluster's CA, bearer token,
// Status errors as exceptions, and watches read line by line.

import { readFile } from "node:fs/promises";
import { Agent, request } from "node:https";
import { parse } from "yaml";

export interface Connection {
  server: string;
  token: string;
  caPem?: string;
}

export class KubeError extends Error {
  readonly code: number;
  readonly reason: string;
  constructor(code: number, reason: string, message: string) {
    super(message);
    this.code = code;
    this.reason = reason;
  }
}

export interface Obj {
  apiVersion?: string;
  kind?: string;
  metadata: { name?: string; namespace?: string; uid?: string; resourceVersion?: string; [k: string]: unknown };
  [k: string]: unknown;
}

/** The connection of a kubeconfig's current context. */
export async function connectionFromKubeconfig(path: string): Promise<Connection> {
  const doc = parse(await readFile(path, "utf8")) as {
    "current-context"?: string;
    contexts?: { name: string; context: { cluster: string; user: string } }[];
    clusters?: { name: string; cluster: { server: string; "certificate-authority-data"?: string } }[];
    users?: { name: string; user: { token?: string } }[];
  };
  const ctx = doc.contexts?.find((c) => c.name === doc["current-context"]) ?? doc.contexts?.[0];
  const cluster = doc.clusters?.find((c) => c.name === ctx?.context.cluster);
  const user = doc.users?.find((u) => u.name === ctx?.context.user);
  if (!cluster || !user?.user.token) throw new Error(`${path}: no current context with a server and a token`);
  const ca = cluster.cluster["certificate-authority-data"];
  return {
    server: cluster.cluster.server,
    token: user.user.token,
    caPem: ca ? Buffer.from(ca, "base64").toString() : undefined,
  };
}

export class KubeClient {
  readonly conn: Connection;
  private readonly agent: Agent;

  constructor(conn: Connection, maxSockets = 32) {
    this.conn = conn;
    this.agent = new Agent({ keepAlive: true, maxSockets, ca: conn.caPem });
  }

  close(): void {
    this.agent.destroy();
  }

  async call<T = Obj>(method: string, path: string, body?: unknown, contentType = "application/json"): Promise<T> {
    const { status, text } = await this.raw(
      method,
      path,
      body === undefined ? undefined : JSON.stringify(body),
      contentType,
    );
    const parsed = text ? (JSON.parse(text) as T & { kind?: string; reason?: string; message?: string }) : ({} as T);
    if (status >= 400) {
      const s = parsed as { reason?: string; message?: string };
      throw new KubeError(status, s.reason ?? "Unknown", s.message ?? text);
    }
    return parsed;
  }

  raw(
    method: string,
    path: string,
    body?: string,
    contentType = "application/json",
  ): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const req = request(new URL(path, this.conn.server), {
        method,
        agent: this.agent,
        headers: {
          authorization: `Bearer ${this.conn.token}`,
          accept: "application/json",
          ...(body === undefined ? {} : { "content-type": contentType, "content-length": Buffer.byteLength(body) }),
        },
      });
      req.on("response", (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      });
      req.on("error", reject);
      req.end(body);
    });
  }

  get<T = Obj>(path: string): Promise<T> {
    return this.call<T>("GET", path);
  }

  /**
   * Watches `path` (a list URL; watch=true is added) and calls `onEvent` per event until the
   * returned stop() is called or the server ends the stream (then `onEnd`).
   */
  watch(path: string, onEvent: (type: string, obj: Obj) => void, onEnd: (err?: Error) => void): { stop(): void } {
    const url = new URL(path, this.conn.server);
    url.searchParams.set("watch", "true");
    let buffer = "";
    const req = request(url, {
      method: "GET",
      agent: this.agent,
      headers: { authorization: `Bearer ${this.conn.token}`, accept: "application/json" },
    });
    req.on("response", (res) => {
      if ((res.statusCode ?? 0) >= 400) {
        onEnd(new KubeError(res.statusCode ?? 0, "WatchFailed", `watch ${path}: HTTP ${res.statusCode}`));
        res.resume();
        return;
      }
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        buffer += chunk;
        let nl = buffer.indexOf("\n");
        while (nl >= 0) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          if (line.trim()) {
            const event = JSON.parse(line) as { type: string; object: Obj };
            onEvent(event.type, event.object);
          }
          nl = buffer.indexOf("\n");
        }
      });
      res.on("end", () => onEnd());
      res.on("error", (err) => onEnd(err));
    });
    req.on("error", (err) => onEnd(err));
    req.end();
    return { stop: () => req.destroy() };
  }
}
