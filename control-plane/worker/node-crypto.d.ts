// The part of node:crypto (workerd's nodejs_compat) the Worker uses. The Worker's types leave out
// Node's, so that nothing else of Node's API slips into code that must run on workerd.
declare module "node:crypto" {
  interface Hash {
    update(data: string): Hash;
    digest(encoding: "hex"): string;
  }
  export function createHash(algorithm: "sha256"): Hash;
}
