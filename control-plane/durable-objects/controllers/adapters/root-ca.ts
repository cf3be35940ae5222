// The root CA publisher in the host: keyed by namespace; a namespace appearing or its
// kube-root-ca.crt ConfigMap changing (edited or deleted) re-checks that namespace. The store
// itself writes the ConfigMap with each namespace; this is the repair loop.

import { CONFIGMAPS, planRootCaConfigMap, ROOT_CA_CONFIGMAP } from "../../../controllers/root-ca/plan.ts";
import { NAMESPACES } from "../../../controllers/types.ts";
import type { StoreCore } from "../../store/store-core.ts";
import type { Controller } from "../controller.ts";
import { getObject, listObjects } from "../reads.ts";

export function rootCaController(core: StoreCore): Controller {
  const allNamespaces = () => listObjects(core, NAMESPACES).map((n) => n.metadata.name ?? "");
  return {
    name: "root-ca-cert-publisher",
    manager: "root-ca-cert-publisher",
    keysFor(c) {
      if (c.resource === "namespaces" && c.type !== "DELETED") return [c.name];
      if (c.resource === "configmaps" && c.name === ROOT_CA_CONFIGMAP) return [c.namespace];
      return [];
    },
    allKeys: allNamespaces,
    sync(namespace, ctx) {
      return planRootCaConfigMap(
        getObject(core, NAMESPACES, "", namespace),
        getObject(core, CONFIGMAPS, namespace, ROOT_CA_CONFIGMAP),
        ctx.config.rootCaPem,
      );
    },
  };
}
