import { defineConfig } from 'vitest/config'

// Workspace packages resolve to their TypeScript sources in tests through the
// custom export condition "varde-source", so tests never need a build first.
const conditions = ['varde-source', 'import', 'module', 'node', 'default']

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['node'] } },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          environment: 'node',
          include: ['{packages/*,broker,ingest,clinician-web/server,device-sim,platform,bench}/{src,test}/**/*.test.ts'],
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
