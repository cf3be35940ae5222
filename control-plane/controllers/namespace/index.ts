// Namespace deletion plan (kube-controller-manager's namespace controller).
export {
  FINALIZER_ESTIMATE_SECONDS,
  NAMESPACE_FINALIZER,
  NAMESPACE_RECHECK_MS,
  type NamespaceContent,
  type NamespaceDeletionInput,
  planNamespaceDeletion,
} from "./plan.ts";
