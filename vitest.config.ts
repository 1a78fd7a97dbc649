import { availableParallelism } from 'node:os'
import { defineConfig } from 'vitest/config'

// Files run two at a time even on a 2-core machine (vitest's default there is
// one, so the run took the sum of its files): most suites wait on sockets,
// child processes and a wall clock (platform/test/scenarios waits a minute
// for a missed-measurement deadline), so a second file fills that time.
// Measured: 20 ingest/broker/forwarding files took 168 s one at a time, 137 s two at a time,
// at the same CPU time (161 s), on 2 cores shared with other work.
const WORKERS = Math.max(2, availableParallelism() - 1)
// The suites that SIGKILL and restart whole platforms, or hold a stop to a
// deadline, run alone after the rest: each starts several processes at once
// and measures restarts and deadlines, which a neighbour's CPU would skew.
const SERIAL = [
  'bench/test/chaos-soak.test.ts', 'platform/test/crash-recovery.test.ts', 'platform/test/broker-kill.test.ts',
  'platform/test/ingest-kill.test.ts', 'platform/test/shutdown-deadline.test.ts', 'platform/test/multi-process.test.ts',
  'ingest/test/stop-deadline.test.ts',
]
const NODE_INCLUDE = ['{packages/*,broker,ingest,forwarding,clinician-web/server,device-sim,platform,flows,bench}/{src,test}/**/*.test.ts']

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
          include: NODE_INCLUDE,
          exclude: ['**/node_modules/**', '**/*.postgres.test.ts', ...SERIAL],
          // one migrated embedded database per run, copied by each suite (startTestDatabase)
          globalSetup: ['packages/db/src/testing-embedded-setup.ts'],
          maxWorkers: WORKERS,
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        // one file at a time, after the others (vitest runs maxWorkers 1 projects last)
        extends: true,
        test: {
          name: 'node-serial',
          environment: 'node',
          include: SERIAL,
          globalSetup: ['packages/db/src/testing-embedded-setup.ts'],
          maxWorkers: 1,
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
          maxWorkers: WORKERS,
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
          // jsdom renders of whole pages take 1-3 s on a busy 2-core machine beside the node suites (default 5 s)
          testTimeout: 15_000,
          maxWorkers: WORKERS,
        },
      },
    ],
  },
})
