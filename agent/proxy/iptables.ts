// Putting the proxy's rules into the kernel with the iptables tools (nf_tables backend; never
// iptables-legacy, which would be a second, conflicting rule set). apply() is one
// `iptables-restore --noflush`: atomic, it rewrites every KFLARE- chain the ruleset declares and
// deletes the KFLARE- chains it no longer has, and leaves everyone else's rules alone. The jump
// rules from the built-in chains are read from iptables-save and inserted only when missing.
// cleanup() removes the jumps and every KFLARE- chain, leaving iptables-save as it was before.
// Callers serialise: two syncs at once could each miss the other's chains.

import { CHAIN_PREFIX } from "./chain-names.ts";
import { type CommandOptions, runChecked } from "./command.ts";
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

/** A jump rule as iptables-save prints it (arguments with spaces quoted). */
function saveLine(jump: JumpRule): string {
  return `-A ${jump.chain} ${jump.args.map((a) => (/\s/.test(a) ? `"${a}"` : a)).join(" ")}`;
}

/**
 * Makes each jump rule present exactly once, read from iptables-save rather than `iptables -C`:
 * missing ones are inserted at the top of their chain in their listed order, and a duplicate
 * (two agents racing, an interrupted sync) is removed, all in one iptables-restore. Returns how
 * many were inserted.
 */
export async function ensureJumpRules(
  jumps: readonly JumpRule[] = JUMP_RULES,
  options: IptablesOptions = {},
): Promise<number> {
  let inserted = 0;
  const lines: string[] = [];
  for (const table of TABLES) {
    const mine = jumps.filter((j) => j.table === table);
    if (mine.length === 0) continue;
    const saved = (await saveTable(table, options)).split("\n");
    const changes: string[] = [];
    // Inserting at position 1, last first, leaves them in their listed order at the top.
    for (const jump of [...mine].reverse()) {
      const line = saveLine(jump);
      const count = saved.filter((l) => l === line).length;
      if (count === 0) {
        changes.push(`-I ${jump.chain} 1 ${line.slice(3 + jump.chain.length + 1)}`);
        inserted++;
      }
      for (let i = 1; i < count; i++) changes.push(`-D ${line.slice(3)}`);
    }
    if (changes.length > 0) lines.push(`*${table}`, ...changes, "COMMIT");
  }
  if (lines.length > 0) await runChecked("iptables-restore", [...WAIT, "--noflush"], options, `${lines.join("\n")}\n`);
  return inserted;
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
