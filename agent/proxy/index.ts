// The node's service proxy (kube-proxy's iptables mode for kflare): build the rules from the
// cluster's Services and EndpointSlices (pure), then sync them into iptables, or clean them up.
export { CHAIN_PREFIX } from "./chain-names.ts";
export { CommandError } from "./command.ts";
export { clearStaleUdpFlows } from "./conntrack.ts";
export {
  type ApplyResult,
  applyProxyRules,
  cleanupProxyRules,
  ensureJumpRules,
  type IptablesOptions,
  kflareChains,
  syncProxyRules,
} from "./iptables.ts";
export { restoreText, type Table } from "./rule-writer.ts";
export { buildProxyRules, JUMP_RULES, type JumpRule, type ProxyRules } from "./rules.ts";
export type { EndpointSlice, ProxyInput, Service } from "./types.ts";
