// The `kubernetes` Service on this node: pods dial its ClusterIP:443, the service proxy DNATs that
// to this node's address and the API proxy's port (as kube-dns's ClusterIP goes to the node's DNS
// server), and the API proxy relays their requests, with their own tokens, to the control plane.
// Its serving certificate names the ClusterIP and kubernetes.default.svc and is signed by the
// cluster CA: the node makes its key pair itself, sends only the public key, and asks again on
// every (re)connect, so a certificate never outlives the node's link by much. The private key is
// never written to disk.

import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { ApiProxy } from "../src/api-proxy.ts";

/** The port the node's API proxy listens on; the `kubernetes` ClusterIP's port 443 is DNATed to it. */
export const DEFAULT_API_PORT = 10443;

export interface ApiEndpointOptions {
  /** This node's address: where the proxy listens (the DNAT target). */
  host: string;
  port: number;
  /** The control plane's URL (with its cluster path prefix) and the CA the node pins for it. */
  server: string;
  caPem?: string;
  /** Pods and the node itself: anyone else on the LAN is refused before TLS. */
  allowed: (address: string) => boolean;
  log: (line: string) => void;
}

export type CertificateIssuer = (publicKeyPem: string) => Promise<{ certPem: string }>;

export class ApiEndpoint {
  private readonly opts: ApiEndpointOptions;
  private readonly privateKey: KeyObject;
  private readonly publicKeyPem: string;
  private proxy: ApiProxy | undefined;
  private renewing: Promise<void> | undefined;

  constructor(opts: ApiEndpointOptions) {
    this.opts = opts;
    const pair = generateKeyPairSync("ec", { namedCurve: "P-256" });
    this.privateKey = pair.privateKey;
    this.publicKeyPem = pair.publicKey.export({ type: "spki", format: "pem" }).toString();
  }

  get port(): number {
    return this.opts.port;
  }

  /** Gets a fresh certificate and serves with it (starting the proxy the first time). Never throws. */
  renew(issue: CertificateIssuer): Promise<void> {
    this.renewing ??= this.renewOnce(issue).finally(() => {
      this.renewing = undefined;
    });
    return this.renewing;
  }

  private async renewOnce(issue: CertificateIssuer): Promise<void> {
    const { host, port, log } = this.opts;
    try {
      const { certPem } = await issue(this.publicKeyPem);
      const keyPem = this.privateKey.export({ type: "pkcs8", format: "pem" }).toString();
      if (this.proxy) {
        this.proxy.setCertificate(certPem, keyPem);
        return;
      }
      const proxy = new ApiProxy({
        host,
        port,
        cert: certPem,
        key: keyPem,
        server: this.opts.server,
        ...(this.opts.caPem ? { caPem: this.opts.caPem } : {}),
        allowed: this.opts.allowed,
        log,
      });
      await proxy.start();
      this.proxy = proxy;
      log(`the kubernetes Service answers pods on ${host}:${port}`);
    } catch (err) {
      log(`pods cannot reach the API through the kubernetes Service yet: ${(err as Error).message}`);
    }
  }

  async stop(): Promise<void> {
    await this.renewing;
    await this.proxy?.close();
    this.proxy = undefined;
  }
}
