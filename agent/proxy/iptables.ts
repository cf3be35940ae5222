// Putting the proxy's rules into the kernel with the iptables tools (nf_tables backend; never
// iptables-legacy, which would be a second, conflicting rule set). apply() is one
// `iptables-restore --noflush`: atomic, it rewrites every KFLARE- chain the ruleset declares and
// deletes the KFLARE- chains it no longer has, and leaves everyone else's rules alone. The jump
// rules from the built-in chains are checked with `iptables -C` and inserted only when missing.
// cleanup() removes the jumps and every KFLARE- chain, leaving iptables-save as it was before.
// Callers serialise: two syncs at once could each miss the other's chains.

import { CHAIN_PREFIX } from "./chain-names.ts";
import { CommandError, type CommandOptions, commandLine, runChecked, runCommand } from "./command.ts";
import { restoreText, TABLES, type Table } from "./rule-writer.ts";
import { JUMP_RULES, type JumpRule, type ProxyRules } from "./rules.ts";

export type IptablesOptions = CommandOptions;

const WAIT = ["-w", "5"]; // the xtables lock, should anything else hold it

/** The iptables-save text of one table. */
export function saveTable(table: Table, options: IptablesOptions = {}): Promise<string> {
  return runChecked("iptables-save", ["-t", table], options);
}

/** Names of chains starting with KFLARE- in iptables-save output. */
export function kflareChainsIn(save: string): string[] {
  return save
    .split("\n")
    .filter((line) => line.startsWith(`:${CHAIN_PREFIX}`))
    .map((line) => line.slice(1).split(" ")[0] ?? "");
}

/** The KFLARE- chains present now, per table. */
export async function kflareChains(options: IptablesOptions = {}): Promise<Record<Table, string[]>> {
  const [nat, filter] = await Promise.all(TABLES.map((t) => saveTable(t, options)));
  return { nat: kflareChainsIn(nat ?? ""), filter: kflareChainsIn(filter ?? "") };
}

export interface ApplyResult {
  /** Chains that existed and were deleted (services or endpoints that went away). */
  removed: Record<Table, string[]>;
}

/** Writes the ruleset in one transaction, deleting stale KFLARE- chains. */
export async function applyProxyRules(rules: ProxyRules, options: IptablesOptions = {}): Promise<ApplyResult> {
  const existing = await kflareChains(options);
  const removed = {
    nat: existing.nat.filter((c) => !rules.tables.nat.chains.includes(c)),
    filter: existing.filter.filter((c) => !rules.tables.filter.chains.includes(c)),
  };
  await runChecked("iptables-restore", [...WAIT, "--noflush"], options, restoreText(rules.tables, removed));
  return { removed };
}

/** Inserts the jump rules that are missing, keeping their order at the top of each chain; returns how many. */
export async function ensureJumpRules(
  jumps: readonly JumpRule[] = JUMP_RULES,
  options: IptablesOptions = {},
): Promise<number> {
  const missing: JumpRule[] = [];
  for (const jump of jumps) {
    const args = [...WAIT, "-t", jump.table, "-C", jump.chain, ...jump.args];
    const check = await runCommand("iptables", args, options);
    // 1 is "no such rule"; anything else (2: a chain is missing) is a failure.
    if (check.code === 1) missing.push(jump);
    else if (check.code !== 0)
      throw new CommandError(commandLine("iptables", args, options).join(" "), check.code, check.stderr);
  }
  // Each insert goes to position 1, so insert the last first.
  for (const jump of [...missing].reverse())
    await runChecked("iptables", [...WAIT, "-t", jump.table, "-I", jump.chain, "1", ...jump.args], options);
  return missing.length;
}

/** apply() then ensureJumpRules(): what the agent calls on every change. */
export async function syncProxyRules(rules: ProxyRules, options: IptablesOptions = {}): Promise<ApplyResult> {
  const result = await applyProxyRules(rules, options);
  await ensureJumpRules(rules.jumps, options);
  return result;
}

/**
 * Removes every rule that enters a KFLARE- chain and every KFLARE- chain, in one transaction.
 * Tables the proxy made exist (nf_tables creates nat on first use) stay, empty.
 */
export async function cleanupProxyRules(options: IptablesOptions = {}): Promise<void> {
  const lines: string[] = [];
  for (const table of TABLES) {
    const save = await saveTable(table, options);
    const chains = kflareChainsIn(save);
    const entries = save
      .split("\n")
      .filter((l) => l.startsWith("-A ") && !l.startsWith(`-A ${CHAIN_PREFIX}`))
      .filter((l) => new RegExp(` -[jg] ${CHAIN_PREFIX}\\S+( |$)`).test(l));
    if (chains.length === 0 && entries.length === 0) continue;
    lines.push(`*${table}`);
    for (const chain of chains) lines.push(`:${chain} - [0:0]`);
    for (const entry of entries) lines.push(`-D ${entry.slice(3)}`);
    for (const chain of chains) lines.push(`-X ${chain}`);
    lines.push("COMMIT");
  }
  if (lines.length > 0) await runChecked("iptables-restore", [...WAIT, "--noflush"], options, `${lines.join("\n")}\n`);
}
