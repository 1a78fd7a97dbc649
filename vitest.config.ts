import { defineConfig } from 'vitest/config'

// Workspace packages resolve to their TypeScript sources in tests through the
// custom export condition "varde-source", so tests never need a build first.
export default defineConfig({
  // Vite's default condition lists, with ours first.
  resolve: { conditions: ['varde-source', 'module', 'browser', 'development|production'] },
  ssr: { resolve: { conditions: ['varde-source', 'module', 'node', 'development|production'] } },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          environment: 'node',
          include: ['{packages/*,broker,ingest,forwarding,clinician-web/server,device-sim,platform,flows,bench}/{src,test}/**/*.test.ts'],
          exclude: ['**/node_modules/**', '**/*.postgres.test.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        // The suites that touch the database, again on a real PostgreSQL server
        // (Debian's, no TimescaleDB; docs/decisions/0009-plain-postgresql.md):
        // one server per run, a database per suite. Suites that start the
        // embedded database themselves (its wire gate, its outage) are left out.
        extends: true,
        test: {
          name: 'node-postgres',
          environment: 'node',
          include: ['{packages/db,ingest,forwarding,clinician-web/server,flows}/test/**/*.test.ts', '**/test/**/*.postgres.test.ts'],
          exclude: ['**/node_modules/**', 'packages/db/test/embedded-*.test.ts', 'ingest/test/database-outage.test.ts'],
          env: { VARDE_TEST_DB: 'postgres' },
          globalSetup: ['packages/db/src/testing-postgres-setup.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'web',
          environment: 'jsdom',
          root: 'clinician-web/web',
          include: ['src/**/*.test.{ts,tsx}'],
        },
      },
    ],
  },
})
