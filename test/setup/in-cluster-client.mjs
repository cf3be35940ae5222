// Runs in a pod: the in-cluster configuration of @kubernetes/client-node (the service-account
// token, the cluster CA and KUBERNETES_SERVICE_HOST/PORT, as every client library reads them),
// then one list of the pod's own namespace's pods. Prints the JSON the test reads, or the error.
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";

const kc = new KubeConfig();
kc.loadFromCluster();
const namespace = process.argv[2] ?? "default";
try {
  const api = kc.makeApiClient(CoreV1Api);
  const list = await api.listNamespacedPod({ namespace });
  console.log(
    JSON.stringify({ server: kc.getCurrentCluster()?.server, pods: list.items.map((p) => p.metadata?.name) }),
  );
} catch (err) {
  console.log(
    JSON.stringify({
      server: kc.getCurrentCluster()?.server,
      error: String(err?.code ?? ""),
      message: String(err?.body ?? err?.message ?? err),
    }),
  );
  process.exitCode = 1;
}
