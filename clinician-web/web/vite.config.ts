import react from '@vitejs/plugin-react'
import { defaultClientConditions, defineConfig } from 'vite'

// The API and FHIR live on the Fastify server (same origin in production);
// in development Vite forwards them there, Server-Sent Events included.
// VARDE_API_URL points the dev server at a server on another port.
const apiTarget = process.env.VARDE_API_URL ?? 'http://127.0.0.1:8080'
const proxy = {
  '/api': { target: apiTarget, changeOrigin: false },
  '/fhir': { target: apiTarget, changeOrigin: false },
}

export default defineConfig({
  plugins: [react()],
  // @varde/domain and @varde/api-contract resolve to their TypeScript sources through "varde-source".
  resolve: { conditions: ['varde-source', ...defaultClientConditions] },
  server: { proxy },
  preview: { proxy },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    rolldownOptions: {
      // packages/domain and packages/api-contract are pure by design (STYLE.md:
      // no I/O), but their packages do not say so; without this the zod
      // schemas, of which the portal uses the types and a few lists only,
      // would ship with it.
      treeshake: {
        moduleSideEffects: [
          { test: /[\\/]packages[\\/](domain|api-contract)[\\/]src[\\/]/, sideEffects: false },
        ],
      },
    },
  },
})
