/** The configured ingress domain (INGRESS_DOMAIN), normalised: lower case, no leading "*." or dot ("" for none). */
export function ingressDomain(env: Env): string {
  return String(env.INGRESS_DOMAIN ?? "")
    .trim()
    .toLowerCase()
    .replace(/^\*?\./, "")
    .replace(/\.$/, "");
}
