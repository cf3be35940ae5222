// The Kubernetes fields the node's service proxy reads, as plain JSON shapes (Service,
// EndpointSlice), and what the agent hands the rule builder. Local and minimal on purpose: the
// proxy depends on nothing but these fields, so it can be tested and reused on its own.
// Service ports' targetPort is not read: the EndpointSlice controller already resolved it into the
// slices' ports, which are matched to service ports by name and protocol (as kube-proxy does).

export interface ServicePort {
  name?: string;
  port: number;
  protocol?: string;
  nodePort?: number;
}

export interface Service {
  metadata: { name: string; namespace?: string };
  spec?: {
    type?: string;
    clusterIP?: string;
    ports?: ServicePort[];
    sessionAffinity?: string;
    sessionAffinityConfig?: { clientIP?: { timeoutSeconds?: number } };
    internalTrafficPolicy?: string;
    externalTrafficPolicy?: string;
    /** Addresses the cluster does not manage that route to a node: the service answers there too. */
    externalIPs?: string[];
  };
}

export interface EndpointPort {
  name?: string;
  port?: number;
  protocol?: string;
}

export interface Endpoint {
  addresses: string[];
  conditions?: { ready?: boolean; serving?: boolean; terminating?: boolean };
  nodeName?: string;
}

export interface EndpointSlice {
  metadata: { name?: string; namespace?: string; labels?: Record<string, string> };
  addressType?: string;
  ports?: EndpointPort[] | null;
  endpoints?: Endpoint[] | null;
}

export interface ProxyInput {
  services: Service[];
  endpointSlices: EndpointSlice[];
  /** This node's name: endpoints whose nodeName equals it are local (traffic policy Local). */
  nodeName: string;
  /** Addresses NodePorts answer on; empty means every local address but 127.0.0.0/8. */
  nodeAddresses: string[];
  /** This node's pod range; used to tell pod traffic when no clusterCIDR is given. */
  podCIDR?: string;
  /** Every pod's range (kube-proxy's --cluster-cidr): ClusterIP traffic from outside it is masqueraded. */
  clusterCIDR?: string;
}
