// `npm run sim -- --nodes 100`: simulated nodes for trying kflare without hardware, against the
// control plane of KUBECONFIG (default: this checkout's .kflare/kubeconfig).

import { join } from "node:path";
import { parseArgs } from "node:util";
import { connectionFromKubeconfig } from "../cli/kube-client.ts";
import { REPO_ROOT } from "../cli/local-control-plane.ts";
import { Simulator } from "./simulator.ts";

const USAGE = `Usage: npm run sim -- [--nodes N] [--prefix sim] [--lease-renew-seconds 10]
Registers N simulated nodes with the control plane of $KUBECONFIG (default .kflare/kubeconfig),
renews their leases, runs the pods bound to them (Running, Ready, pod IPs) until Ctrl-C.`;

async function main(): Promise<number> {
  let values: { nodes?: string; prefix?: string; "lease-renew-seconds"?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        nodes: { type: "string" },
        prefix: { type: "string" },
        "lease-renew-seconds": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (err) {
    console.error(`sim: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const nodes = Number(values.nodes ?? "3");
  const renew = Number(values["lease-renew-seconds"] ?? "10");
  if (!Number.isInteger(nodes) || nodes < 1 || nodes > 5000) {
    console.error(`sim: --nodes must be a whole number from 1 to 5000, got "${values.nodes}"`);
    return 2;
  }
  if (!(renew > 0)) {
    console.error(`sim: --lease-renew-seconds must be positive, got "${values["lease-renew-seconds"]}"`);
    return 2;
  }
  const kubeconfig = process.env.KUBECONFIG ?? join(REPO_ROOT, ".kflare/kubeconfig");
  let connection: Awaited<ReturnType<typeof connectionFromKubeconfig>>;
  try {
    connection = await connectionFromKubeconfig(kubeconfig);
  } catch (err) {
    console.error(
      `sim: cannot read ${kubeconfig}: ${(err as Error).message}\nStart the control plane first (npm start), or set KUBECONFIG.`,
    );
    return 1;
  }
  const sim = new Simulator({
    connection,
    nodes,
    prefix: values.prefix,
    leaseRenewMs: renew * 1000,
    log: (l) => console.log(l),
  });
  console.log(`Registering ${nodes} simulated node(s) with ${connection.server} ...`);
  try {
    await sim.start();
  } catch (err) {
    console.error(`sim: ${(err as Error).message}\nIs the control plane running (npm start)?`);
    await sim.close();
    return 1;
  }
  console.log(
    `${nodes} simulated node(s) ready. Next: kubectl get nodes; kubectl apply -f examples/deployment.yaml. Ctrl-C stops them.`,
  );
  await new Promise<void>((resolve) => {
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
  });
  await sim.close();
  return 0;
}

process.exitCode = await main();
