import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { defineConfig } from '@playwright/test'

// The platform under test runs as `npm start` runs it (demo mode, embedded
// database), on its own ports and a fresh data directory, simulator off so the
// test controls every reading.
const httpPort = Number(process.env.E2E_HTTP_PORT ?? 18480)
const mqttPort = Number(process.env.E2E_MQTT_PORT ?? 18483)
// the embedded database on a known port: a spec seeds a year of readings set-based (tests/trends.spec.ts)
const dbPort = Number(process.env.E2E_DB_PORT ?? 18486)
export const baseURL = `http://127.0.0.1:${httpPort}`
export const mqttUrl = `mqtt://127.0.0.1:${mqttPort}`
process.env.E2E_MQTT_URL = mqttUrl
process.env.E2E_DATABASE_URL = `postgres://postgres@127.0.0.1:${dbPort}/postgres?sslmode=disable`

export default defineConfig({
  testDir: './tests',
  outputDir: './test-results',
  timeout: 60_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 1,
  forbidOnly: true,
  retries: 0,
  reporter: process.env.CI ? [['list']] : [['list']],
  use: {
    baseURL,
    locale: 'nb-NO',
    timezoneId: 'Europe/Oslo',
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    },
  },
  projects: [
    { name: 'tablet', use: { viewport: { width: 1024, height: 768 }, hasTouch: true } },
  ],
  webServer: {
    command: 'node ../platform/dist/main.js',
    url: `${baseURL}/healthz`,
    timeout: 90_000,
    reuseExistingServer: false,
    gracefulShutdown: { signal: 'SIGTERM', timeout: 10_000 },
    stdout: 'ignore',
    stderr: 'pipe',
    env: {
      VARDE_MODE: 'demo',
      VARDE_SIMULATOR: 'off',
      VARDE_HTTP_PORT: String(httpPort),
      VARDE_MQTT_PORT: String(mqttPort),
      VARDE_DB_PORT: String(dbPort),
      VARDE_DATA_DIR: join(tmpdir(), `varde-e2e-${process.pid}`),
      VARDE_LOG_LEVEL: 'warn',
      // every part as npm start runs them, Node-RED included (tests/flows.spec.ts)
      VARDE_PARTS: 'broker,ingest,forwarding,server,simulator,flows',
    },
  },
})
