// A TCP proxy a test can "block": while blocked it swallows bytes both ways and holds new
// connections, with every socket left open, as a NAT that silently drops a mapping does. On
// unblock the old connections are reset (their state is lost, as after a NAT timeout) and new
// ones flow again.

import { connect, createServer, type Server, type Socket } from "node:net";

export class TcpProxy {
  private server: Server | undefined;
  private blocked = false;
  private readonly pairs = new Set<[Socket, Socket | undefined]>();
  port = 0;
  private readonly target: { host: string; port: number };

  constructor(target: { host: string; port: number }) {
    this.target = target;
  }

  async start(port = 0): Promise<number> {
    this.server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve) => this.server!.listen(port, "127.0.0.1", () => resolve()));
    const addr = this.server.address();
    this.port = typeof addr === "object" && addr ? addr.port : 0;
    return this.port;
  }

  private accept(client: Socket): void {
    const pair: [Socket, Socket | undefined] = [client, undefined];
    this.pairs.add(pair);
    client.on("error", () => {});
    client.on("close", () => {
      pair[1]?.destroy();
      this.pairs.delete(pair);
    });
    if (this.blocked) {
      client.on("data", () => {});
      return;
    }
    const upstream = connect(this.target.port, this.target.host);
    pair[1] = upstream;
    upstream.on("error", () => client.destroy());
    upstream.on("close", () => client.destroy());
    client.on("data", (b) => {
      if (!this.blocked) upstream.write(b);
    });
    upstream.on("data", (b) => {
      if (!this.blocked) client.write(b);
    });
  }

  block(): void {
    this.blocked = true;
  }

  unblock(): void {
    this.blocked = false;
    for (const [client, upstream] of this.pairs) {
      client.resetAndDestroy();
      upstream?.destroy();
    }
    this.pairs.clear();
  }

  async stop(): Promise<void> {
    for (const [client, upstream] of this.pairs) {
      client.destroy();
      upstream?.destroy();
    }
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
