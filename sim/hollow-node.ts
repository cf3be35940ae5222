// What a simulated (hollow) node looks like to the API, as kwok's nodes do: a Node with capacity,
// Ready conditions and the runtime handlers a real agent offers, and its Lease in kube-node-lease.

import type { Obj } from "../cli/kube-client.ts";

export interface NodeShape {
  cpu: string;
  memory: string;
  pods: string;
}

export const DEFAULT_SHAPE: NodeShape = { cpu: "4", memory: "8Gi", pods: "110" };

export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

function rfc3339(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

/** The index-th node's pod CIDR: 10.42.<index>.0/24 (k3s's default cluster CIDR). */
export function podCidr(index: number): string {
  return `10.${42 + Math.floor(index / 256)}.${index % 256}.0/24`;
}

export function nodeObject(name: string, index: number): Obj {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name,
      labels: {
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "kflare.dev/simulated": "true",
      },
    },
    spec: { podCIDR: podCidr(index), podCIDRs: [podCidr(index)] },
  };
}

export function nodeStatus(name: string, index: number, shape: NodeShape, now: number): Record<string, unknown> {
  const resources = { cpu: shape.cpu, memory: shape.memory, pods: shape.pods, "ephemeral-storage": "100Gi" };
  const condition = (type: string, status: string, reason: string, message: string) => ({
    type,
    status,
    reason,
    message,
    lastHeartbeatTime: rfc3339(now),
    lastTransitionTime: rfc3339(now),
  });
  return {
    capacity: resources,
    allocatable: resources,
    conditions: [
      condition("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
      condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
      condition("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
      condition("Ready", "True", "KubeletReady", "simulated node is ready"),
    ],
    addresses: [
      {
        type: "InternalIP",
        address: `172.${16 + Math.floor(index / 65536)}.${Math.floor(index / 256) % 256}.${(index % 254) + 1}`,
      },
      { type: "Hostname", address: name },
    ],
    nodeInfo: {
      machineID: "",
      systemUUID: "",
      bootID: "",
      kernelVersion: "simulated",
      osImage: "kflare simulated node",
      containerRuntimeVersion: "sim://1.0.0",
      kubeletVersion: "v1.35.0-kflare-sim",
      kubeProxyVersion: "",
      operatingSystem: "linux",
      architecture: "amd64",
    },
    runtimeHandlers: [{ name: "runc" }, { name: "wasm" }],
  };
}

export function leaseObject(name: string, nodeUid: string | undefined, now: number, durationSeconds: number): Obj {
  return {
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata: {
      name,
      namespace: "kube-node-lease",
      ...(nodeUid ? { ownerReferences: [{ apiVersion: "v1", kind: "Node", name, uid: nodeUid }] } : {}),
    },
    spec: { holderIdentity: name, leaseDurationSeconds: durationSeconds, renewTime: microTime(now) },
  };
}

/** The status a running pod reports: Running, Ready, one running container per spec container. */
export function runningPodStatus(pod: Obj, podIP: string, hostIP: string, now: number): Record<string, unknown> {
  const spec = pod.spec as {
    containers?: { name: string; image: string }[];
    initContainers?: { name: string; image: string }[];
  };
  const t = rfc3339(now);
  const cond = (type: string) => ({ type, status: "True", lastTransitionTime: t });
  return {
    phase: "Running",
    conditions: [
      cond("PodReadyToStartContainers"),
      cond("Initialized"),
      cond("Ready"),
      cond("ContainersReady"),
      cond("PodScheduled"),
    ],
    hostIP,
    hostIPs: [{ ip: hostIP }],
    podIP,
    podIPs: [{ ip: podIP }],
    startTime: t,
    containerStatuses: (spec.containers ?? []).map((c) => ({
      name: c.name,
      image: c.image,
      imageID: `sim://${c.image}`,
      containerID: `sim://${pod.metadata.uid}-${c.name}`,
      ready: true,
      started: true,
      restartCount: 0,
      state: { running: { startedAt: t } },
    })),
    qosClass: (pod.status as { qosClass?: string } | undefined)?.qosClass,
  };
}
