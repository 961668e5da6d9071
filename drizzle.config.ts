import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema.ts',
  out: './src/db/migrations',
  // Only `db:generate` reads this file; it needs no database connection.
  dbCredentials: { url: process.env.DATABASE_URL ?? 'postgres://localhost/metric_importer' },
});
