import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "sqlite",
  driver: "durable-sqlite",
  schema: "./control-plane/durable-objects/store/tables.ts",
  out: "./migrations",
});
