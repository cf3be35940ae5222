import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

// Three projects, one `npm test`:
// - unit: pure modules (schemas, API machinery, CLI helpers) under Node;
// - workers: the Durable Objects and the Worker inside real workerd (@cloudflare/vitest-plugin);
// - e2e: the real kubectl and helm binaries against the control plane started as `npm start` starts it.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: [
            "schemas/**/*.test.ts",
            "control-plane/api/**/*.test.ts",
            "control-plane/controllers/**/*.test.ts",
            "control-plane/scheduler/**/*.test.ts",
            "control-plane/ingress/**/*.test.ts",
            "cli/**/*.test.ts",
            "sim/**/*.test.ts",
            "agent/**/*.test.ts",
            "bench/**/*.test.ts",
          ],
          exclude: ["agent/dist/**", "**/node_modules/**"],
          environment: "node",
        },
      },
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            // Short timers so watch behaviour is observable in seconds; a fixed admin token hash.
            miniflare: {
              bindings: {
                BOOKMARK_INTERVAL_SECONDS: "1",
                // Ingress at the edge: hosts under apps.test, small limits so 413 and 504 are quick to see.
                INGRESS_DOMAIN: "apps.test",
                INGRESS_MAX_BODY_BYTES: "1048576",
                INGRESS_TIMEOUT_SECONDS: "1",
                // A revoked service-account token fails at once, not after the 10 s identity cache.
                AUTH_CACHE_SECONDS: "0",
                ADMIN_TOKEN_HASH: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
              },
            },
          }),
        ],
        test: {
          name: "workers",
          include: [
            "control-plane/worker/**/*.test.ts",
            "control-plane/durable-objects/**/*.test.ts",
            "test/workers/**/*.test.ts",
          ],
          // The first request of each file loads the Worker's modules into a fresh workerd (and the
          // first cluster's store makes its CA): several seconds on a 2-core machine.
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          environment: "node",
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
