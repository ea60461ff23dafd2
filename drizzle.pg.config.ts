import { defineConfig } from "drizzle-kit";

/** The PostgreSQL backend's schema and migrations (`npm run db:generate:pg`); SQLite's are in drizzle.config.ts. */
export default defineConfig({
  schema: "./db/pg/schema.ts",
  out: "./db/pg/migrations",
  dialect: "postgresql",
  dbCredentials: { url: process.env.DATABASE_URL ?? "postgres://localhost/octorank" },
});
