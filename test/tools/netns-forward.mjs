// Runs inside a test's network namespace (ip netns exec <ns> node netns-forward.mjs PORT=SOCKET...):
// listens on 127.0.0.1:PORT there and carries each connection to a unix socket, which the test
// process serves from the machine's own namespace (sockets are files: they cross namespaces).
// Plain JavaScript so any Node runs it. Prints "ready" once every port listens.
import { connect, createServer } from "node:net";

const pairs = process.argv.slice(2).map((arg) => {
  const [port, socket] = arg.split("=");
  return { port: Number(port), socket };
});
let listening = 0;
for (const { port, socket } of pairs) {
  const server = createServer((client) => {
    const upstream = connect(socket);
    // A relay must not add Nagle's delay to small writes (a request's frames would wait ~40 ms
    // for the peer's delayed ACK): the node's links carry many small messages.
    client.setNoDelay(true);
    client.pipe(upstream).pipe(client);
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.destroy());
  });
  server.listen(port, "127.0.0.1", () => {
    listening += 1;
    if (listening === pairs.length) process.stdout.write("ready\n");
  });
}
process.on("SIGTERM", () => process.exit(0));
