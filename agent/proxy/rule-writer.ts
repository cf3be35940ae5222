// Collects the proxy's chains and rules per table and renders them as `iptables-restore --noflush`
// input. In that mode a declared chain (`:NAME - [0:0]`) is created or emptied and every other
// chain is left alone, so one restore replaces exactly the KFLARE- chains, atomically. Chains that
// must go (stale services, or everything at cleanup) are declared too, so they are empty, then
// deleted with -X once the rules that jumped to them have been rewritten.

export type Table = "nat" | "filter";
export const TABLES: readonly Table[] = ["nat", "filter"];

export interface TableRules {
  /** Chains this ruleset owns, in declaration order. */
  chains: string[];
  /** Rule lines ("-A CHAIN ..."), in order. */
  rules: string[];
}

export type ProxyTables = Record<Table, TableRules>;

export class RuleWriter {
  readonly tables: ProxyTables = { nat: { chains: [], rules: [] }, filter: { chains: [], rules: [] } };
  private readonly declared = new Set<string>();

  /** Declares a chain once; true when it was new. */
  chain(table: Table, name: string): boolean {
    const key = `${table}/${name}`;
    if (this.declared.has(key)) return false;
    this.declared.add(key);
    this.tables[table].chains.push(name);
    return true;
  }

  rule(table: Table, chain: string, ...parts: string[]): void {
    this.tables[table].rules.push(["-A", chain, ...parts.filter((p) => p !== "")].join(" "));
  }
}

/** `-m comment` with a quoted text (service and namespace names never hold quotes). */
export function comment(text: string): string {
  return `-m comment --comment "${text.replaceAll('"', "'")}"`;
}

/**
 * The restore input for `tables`, deleting the chains in `remove` (existing KFLARE- chains the
 * ruleset no longer declares). Tables with nothing to declare are left out, so they are not touched.
 */
export function restoreText(tables: ProxyTables, remove: Partial<Record<Table, string[]>> = {}): string {
  const lines: string[] = [];
  for (const table of TABLES) {
    const { chains, rules } = tables[table];
    const gone = (remove[table] ?? []).filter((c) => !chains.includes(c));
    if (chains.length === 0 && gone.length === 0) continue;
    lines.push(`*${table}`);
    for (const chain of [...chains, ...gone]) lines.push(`:${chain} - [0:0]`);
    lines.push(...rules);
    for (const chain of gone) lines.push(`-X ${chain}`);
    lines.push("COMMIT");
  }
  return lines.length > 0 ? `${lines.join("\n")}\n` : "";
}
