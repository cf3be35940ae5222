// Objects for controller tests, already defaulted as the API server stores them, and kubectl's
// reading of a Deployment's status (`kubectl rollout status`, upstream's DeploymentStatusViewer).

import type { DeploymentSpec } from "../../../schemas/apps/deployment.ts";
import type { KubeObject } from "../../../schemas/object.ts";
import type { DeploymentObject } from "../deployment/util.ts";

export interface DeploymentOptions {
  name?: string;
  replicas?: number;
  image?: string;
  strategy?: DeploymentSpec["strategy"];
  minReadySeconds?: number;
  revisionHistoryLimit?: number;
  progressDeadlineSeconds?: number;
  paused?: boolean;
  annotations?: Record<string, string>;
}

export function deploymentFixture(o: DeploymentOptions = {}): KubeObject {
  const name = o.name ?? "web-app";
  const spec: DeploymentSpec = {
    replicas: o.replicas ?? 3,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: {
        containers: [{ name: "web", image: o.image ?? "nginx:1.27", ports: [{ containerPort: 80, protocol: "TCP" }] }],
        restartPolicy: "Always",
        terminationGracePeriodSeconds: 30,
        dnsPolicy: "ClusterFirst",
      },
    },
    strategy: o.strategy ?? { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: "25%" } },
    revisionHistoryLimit: o.revisionHistoryLimit ?? 10,
    progressDeadlineSeconds: o.progressDeadlineSeconds ?? 600,
  };
  if (o.minReadySeconds !== undefined) spec.minReadySeconds = o.minReadySeconds;
  if (o.paused) spec.paused = true;
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: "default", ...(o.annotations ? { annotations: o.annotations } : {}) },
    spec,
  };
}

export function rolling(maxSurge: string | number, maxUnavailable: string | number): DeploymentSpec["strategy"] {
  return { type: "RollingUpdate", rollingUpdate: { maxSurge, maxUnavailable } };
}

/** What `kubectl rollout status` prints for a Deployment (an error when `done` is "error"). */
export function rolloutStatusMessage(obj: KubeObject): { done: boolean | "error"; message: string } {
  const d = obj as DeploymentObject;
  const name = d.metadata.name;
  const status = d.status ?? {};
  if ((d.metadata.generation ?? 0) > (status.observedGeneration ?? 0)) {
    return { done: false, message: "Waiting for deployment spec update to be observed..." };
  }
  if (status.conditions?.some((c) => c.type === "Progressing" && c.reason === "ProgressDeadlineExceeded")) {
    return { done: "error", message: `deployment "${name}" exceeded its progress deadline` };
  }
  const replicas = d.spec?.replicas ?? 1;
  const updated = status.updatedReplicas ?? 0;
  if (updated < replicas) {
    return {
      done: false,
      message: `Waiting for deployment "${name}" rollout to finish: ${updated} out of ${replicas} new replicas have been updated...`,
    };
  }
  if ((status.replicas ?? 0) > updated) {
    const pending = (status.replicas ?? 0) - updated;
    return {
      done: false,
      message: `Waiting for deployment "${name}" rollout to finish: ${pending} old replicas are pending termination...`,
    };
  }
  if ((status.availableReplicas ?? 0) < updated) {
    const available = status.availableReplicas ?? 0;
    return {
      done: false,
      message: `Waiting for deployment "${name}" rollout to finish: ${available} of ${updated} updated replicas are available...`,
    };
  }
  return { done: true, message: `deployment "${name}" successfully rolled out` };
}
