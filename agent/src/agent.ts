// `k-agent run`: the node from its stored credential. Runtimes, the pod manager (kubelet's
// lifecycle), the offline state file and the link to the control plane, wired together. Pods from
// the state file start before the control plane answers, so a reboot without internet brings them
// back; the first assignment from the control plane then reconciles both ways.

import { join } from "node:path";
import type { AgentFrame, AssignmentFrame } from "../../schemas/agent/protocol.ts";
import type { ConfigMap, Secret } from "../../schemas/core/config.ts";
import type { Pod } from "../../schemas/core/pod.ts";
import type { ApiEndpoint } from "../network/api-endpoint.ts";
import type { ServiceNetwork } from "../network/service-network.ts";
import { PodManager } from "../pods/manager.ts";
import { ServiceAccountTokens } from "../pods/service-account-tokens.ts";
import type { ContainerRuntime } from "../runtime/types.ts";
import { OfflineState } from "../state/offline-state.ts";
import { StateFileError } from "../state/state-file.ts";
import { containerStreamUrl } from "./container-streams.ts";
import type { Credential } from "./data-dir.ts";
import { internalIp, nodeReport } from "./node-info.ts";
import { podTarget } from "./pod-address.ts";
import { Session, type Workload } from "./session.ts";

export interface AgentOptions {
  credential: Credential;
  dataDir: string;
  runtime: ContainerRuntime;
  /** Privileged containers may run (k-agent --allow-privileged). */
  allowPrivileged?: boolean;
  /** Sets up the pod network once the control plane has given the node its podCIDR. */
  podNetwork?: (podCIDR: string) => Promise<void>;
  /** Service proxy and cluster DNS (nodes running containers). */
  serviceNetwork?: ServiceNetwork;
  /** The `kubernetes` Service's node-local end (nodes running containers). */
  apiEndpoint?: ApiEndpoint;
  log: (line: string) => void;
  /** The control plane speaks another protocol: stop and tell the user. */
  onUpgradeRequired: (message: string) => void;
}

export class Agent {
  private readonly opts: AgentOptions;
  private readonly state: OfflineState;
  private readonly pods: PodManager;
  private readonly session: Session;
  private readonly statuses = new Map<string, AgentFrame>();

  constructor(opts: AgentOptions) {
    this.opts = opts;
    const { credential, dataDir, runtime, log } = opts;
    this.state = new OfflineState({ path: join(dataDir, "state.json") });
    const ip = internalIp();
    this.pods = new PodManager({
      runtime,
      dataDir,
      allowPrivileged: opts.allowPrivileged ?? false,
      nodeIPs: ip ? [ip] : [],
      ...(opts.serviceNetwork
        ? { dns: () => opts.serviceNetwork!.dnsSettings(), services: () => opts.serviceNetwork!.serviceList() }
        : {}),
      // The session exists once the constructor is done; tokens are only asked for after start().
      tokens: new ServiceAccountTokens((r) => this.session.requestToken(r)),
      onStatus: ({ pod, status }) => {
        const frame: AgentFrame = {
          type: "podStatus",
          namespace: pod.namespace,
          name: pod.name,
          uid: pod.uid,
          status: status as Record<string, unknown>,
        };
        this.statuses.set(pod.uid, frame);
        this.session.report(frame);
      },
      onEvent: (event) => {
        const at = `${new Date(event.timestamp).toISOString().slice(0, 19)}Z`;
        this.session.report({
          type: "event",
          event: {
            apiVersion: "v1",
            kind: "Event",
            metadata: { generateName: `${event.involvedObject.name}.` },
            involvedObject: event.involvedObject,
            reason: event.reason,
            message: event.message,
            type: event.type,
            source: { component: "k-agent", host: credential.nodeName },
            firstTimestamp: at,
            lastTimestamp: at,
            count: 1,
            reportingComponent: "k-agent",
            reportingInstance: credential.nodeName,
          },
        });
      },
      onTerminated: (pod) => {
        this.statuses.delete(pod.uid);
        this.session.report({ type: "podDeleted", namespace: pod.namespace, name: pod.name, uid: pod.uid });
      },
      log: (level, message, fields) => log(`${level}: ${message}${fields ? ` ${JSON.stringify(fields)}` : ""}`),
    });
    const workload: Workload = {
      resumeFrom: () => this.state.resourceVersion ?? "",
      assign: (a) => this.assign(a),
      network: async (n) => {
        await opts.serviceNetwork?.update(n);
      },
      logFile: (uid, container, previous) => this.logFile(uid, container, previous),
      containerStreamUrl: (request) => containerStreamUrl(runtime, request),
      podTarget: (pod, uid) => podTarget(runtime, pod, uid),
      currentStatuses: () => [...this.statuses.values()],
    };
    this.session = new Session({
      credential,
      workload,
      nodeReport: async () =>
        nodeReport({
          name: credential.nodeName,
          dataDir,
          runtimeHandlers: runtime.handlers,
          runtimeVersion: `${(await runtime.version()).runtimeName}://${(await runtime.version()).runtimeVersion}`,
          now: Date.now(),
        }),
      log,
      onUpgradeRequired: opts.onUpgradeRequired,
      // A fresh serving certificate on every (re)connect; the proxy starts with the first one.
      onConnected: () => {
        opts.apiEndpoint?.renew((pem) => this.session.requestServingCert(pem));
      },
    });
  }

  private async assign(a: AssignmentFrame): Promise<void> {
    if (a.podCIDR && this.opts.podNetwork) {
      // Before the pods: their sandboxes need the network.
      await this.opts
        .podNetwork(a.podCIDR)
        .catch((err: unknown) =>
          this.opts.log(`cannot set up the pod network for ${a.podCIDR}: ${(err as Error).message}`),
        );
    }
    const pods = a.pods as unknown as Pod[];
    const configMaps = a.configMaps as unknown as ConfigMap[];
    const secrets = a.secrets as unknown as Secret[];
    this.pods.setDesired(pods, configMaps, secrets);
    try {
      await this.state.record({ pods, configMaps, secrets }, a.resourceVersion);
    } catch (err) {
      this.opts.log(`cannot save the offline state: ${(err as Error).message}`);
    }
  }

  private async logFile(uid: string, container: string, previous: boolean): Promise<string | undefined> {
    const all = (await this.opts.runtime.listContainers()).filter(
      (c) => c.labels["io.kubernetes.pod.uid"] === uid && c.name === container,
    );
    all.sort((x, y) => y.attempt - x.attempt);
    return (previous ? all[1] : all[0])?.logPath;
  }

  /** Brings back the pods of the state file (offline start), then connects. */
  async start(): Promise<void> {
    let saved: Awaited<ReturnType<OfflineState["load"]>>;
    try {
      saved = await this.state.load();
    } catch (err) {
      if (err instanceof StateFileError) throw err;
      throw new Error(`cannot read the offline state: ${(err as Error).message}`);
    }
    if (saved) {
      this.opts.log(
        `starting ${saved.pods.length} pod(s) from the offline state (resourceVersion ${saved.resourceVersion})`,
      );
      this.pods.setDesired(saved.pods, saved.configMaps, saved.secrets);
    }
    // DNS and the proxy's rules before the pods: they resolve names as they start.
    await this.opts.serviceNetwork?.start();
    await this.pods.start();
    this.session.start();
  }

  get connected(): boolean {
    return this.session.isConnected;
  }

  /** Stops the agent; pods keep running and are adopted by the next one. */
  async stop(): Promise<void> {
    await this.session.stop();
    await this.pods.stop();
    await this.opts.serviceNetwork?.stop();
    await this.opts.apiEndpoint?.stop();
    await this.opts.runtime.close();
  }
}
