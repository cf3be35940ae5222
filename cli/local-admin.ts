// The local admin credential across restarts: keep the token already in the kubeconfig while its
// hash is still the one in .dev.vars, so kubeconfigs copied elsewhere keep working; otherwise issue
// a new one. Deleting ADMIN_TOKEN_HASH from .dev.vars is therefore how to rotate it.
import { hashAdminToken, isAdminTokenHash, newAdminToken, tokenMatchesHash } from "./admin-token.ts";
import { readDevVarsFile, writeDevVar } from "./dev-vars.ts";
import { readKubeconfigToken } from "./kubeconfig.ts";

export const ADMIN_TOKEN_HASH_VAR = "ADMIN_TOKEN_HASH";

export interface AdminCredential {
  token: string;
  hash: string;
  /** Why a new token was issued, or undefined when the existing one was kept. */
  issued: string | undefined;
}

export async function ensureAdminCredential(
  kubeconfigPath: string,
  user: string,
  devVarsPath: string,
): Promise<AdminCredential> {
  const [token, devVars] = await Promise.all([readKubeconfigToken(kubeconfigPath, user), readDevVarsFile(devVarsPath)]);
  const hash = devVars.vars[ADMIN_TOKEN_HASH_VAR];
  if (token !== undefined && isAdminTokenHash(hash) && tokenMatchesHash(token, hash)) {
    return { token, hash, issued: undefined };
  }
  const issued =
    token === undefined
      ? "no readable kubeconfig"
      : !isAdminTokenHash(hash)
        ? `no ${ADMIN_TOKEN_HASH_VAR} in ${devVarsPath}`
        : `${ADMIN_TOKEN_HASH_VAR} in ${devVarsPath} does not match the kubeconfig's token`;
  const fresh = newAdminToken();
  const freshHash = hashAdminToken(fresh);
  await writeDevVar(devVarsPath, ADMIN_TOKEN_HASH_VAR, freshHash);
  return { token: fresh, hash: freshHash, issued };
}
