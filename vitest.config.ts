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
