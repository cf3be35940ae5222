// What a node that runs containers serves its pods besides the runtime: Services (the service
// proxy), cluster DNS, and the `kubernetes` Service's node-local API endpoint. Its own module so
// main.ts loads it (the DNS codec among it) only on such nodes: WebAssembly guests have neither a
// resolver nor a network namespace of their own.

import { ApiEndpoint, DEFAULT_API_PORT } from "../network/api-endpoint.ts";
import { DEFAULT_DNS_PORT, ServiceNetwork } from "../network/service-network.ts";
import type { Credential } from "./data-dir.ts";

export interface ContainerServices {
  serviceNetwork: ServiceNetwork;
  /** Without a node address the pods' API endpoint has nowhere to listen. */
  apiEndpoint: ApiEndpoint | undefined;
}

export function containerServices(
  credential: Credential,
  hostIP: string | undefined,
  dataDir: string,
  log: (line: string) => void,
): ContainerServices {
  const apiPort = Number(process.env.K_AGENT_API_PORT) || DEFAULT_API_PORT;
  const serviceNetwork = new ServiceNetwork({
    nodeName: credential.nodeName,
    dataDir,
    hostIP,
    dnsPort: Number(process.env.K_AGENT_DNS_PORT) || DEFAULT_DNS_PORT,
    ...(hostIP ? { apiPort } : {}),
    proxy: true,
    log,
  });
  const apiEndpoint = hostIP
    ? new ApiEndpoint({
        host: hostIP,
        port: apiPort,
        server: credential.server,
        ...(credential.caPem ? { caPem: credential.caPem } : {}),
        allowed: (address) => serviceNetwork.mayAsk(address),
        log,
      })
    : undefined;
  return { serviceNetwork, apiEndpoint };
}
