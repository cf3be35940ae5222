// GET /version: kubectl parses gitVersion as semver and warns on minor skew beyond one.
export const KUBERNETES_VERSION = { major: "1", minor: "35", gitVersion: "v1.35.0" };

export function versionInfo() {
  return {
    major: KUBERNETES_VERSION.major,
    minor: KUBERNETES_VERSION.minor,
    emulationMajor: KUBERNETES_VERSION.major,
    emulationMinor: KUBERNETES_VERSION.minor,
    gitVersion: `${KUBERNETES_VERSION.gitVersion}+kflare`,
    gitCommit: "0000000000000000000000000000000000000000",
    gitTreeState: "clean",
    buildDate: "2026-11-25T00:00:00Z",
    goVersion: "workerd",
    compiler: "workerd",
    platform: "cloudflare/workers",
  };
}
