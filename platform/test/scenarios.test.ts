import { readdirSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadPlatformConfig } from '@varde/config'
import { describeDifference, parseScenarioText, runScenario, type RunScenarioOptions, type ScenarioResult } from '@varde/device-sim'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startPlatform, type RunningPlatform } from '../src/index.js'

/**
 * Issue 6's acceptance: every scenario shipped in device-sim/scenarios passes
 * `varde-sim run <file> --expect` against the real platform (broker, embedded
 * TimescaleDB, ingest with the rules, API), receipts, stored readings and the
 * alerts a nurse should see included. The runner is the CLI's own
 * (`runScenario`); the demo feed is off, as the scenarios' alert checks ask.
 *
 * The scenarios run side by side, one home each. missed-measurements sets
 * its schedule to the next two wall-clock minutes and is the long pole
 * (about 70–130 s); the others are done within about 40 s.
 */
const SCENARIOS_DIR = fileURLToPath(new URL('../../device-sim/scenarios/', import.meta.url))
// the slow ones first, so they overlap the rest
const SLOW_FIRST = ['missed-measurements.yaml', 'live-compressed.yaml']
const FILES = readdirSync(SCENARIOS_DIR)
  .filter((f) => f.endsWith('.yaml'))
  .sort((a, b) => Number(SLOW_FIRST.includes(b)) - Number(SLOW_FIRST.includes(a)) || a.localeCompare(b))

let platform: RunningPlatform
let dataDir: string

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'varde-scenarios-test-'))
  platform = await startPlatform(
    loadPlatformConfig({
      VARDE_MODE: 'demo', VARDE_SIMULATOR: 'off', VARDE_HTTP_PORT: '0', VARDE_MQTT_PORT: '0', VARDE_DATA_DIR: dataDir,
      VARDE_SERVICE_SECRET: 'scenarios-test-secret-0123456789abcdef',
    }),
    pino({ level: 'silent' }),
  )
})
afterAll(async () => {
  await platform?.stop()
  await rm(dataDir, { recursive: true, force: true })
})

/** What `npm run sim -- run <file> --expect` passes, against this platform; a shorter re-send so a lost receipt costs 3 s, not 10. */
const runOptions = (): RunScenarioOptions => ({
  mqttUrl: platform.mqttUrl,
  httpUrl: platform.httpUrl,
  credentials: { username: 'sykepleier', password: 'demo' },
  expect: true,
  resendAfterMs: 3_000,
})

/** Everything that made a run fail, readable in the assertion message. */
const failuresOf = (result: ScenarioResult): string[] => [...result.errors.map((e) => `error: ${e}`), ...result.differences.map(describeDifference)]

describe.concurrent('every shipped scenario passes --expect against the running platform', () => {
  it.each(FILES)('%s', { timeout: 240_000 }, async (file) => {
    const result = await runScenario(join(SCENARIOS_DIR, file), runOptions())
    expect(result.isChecked).toBe(true)
    expect(failuresOf(result), `${file} (notes: ${result.notes.join('; ') || 'none'})`).toEqual([])
    expect(result.ok).toBe(true)
  })

  it('fails a wrong expectation, naming each difference', { timeout: 60_000 }, async () => {
    // stable-patient as shipped, expecting one reading too many and a red SpO2 alert, as another home
    const text = (await readFile(join(SCENARIOS_DIR, 'stable-patient.yaml'), 'utf8'))
      .replace('count: 28, values: { min: 100', 'count: 29, values: { min: 100')
      .replace('alerts: []', 'alerts: [{ rule: threshold:spo2, severity: red }]\n  settle: 2s')
    const scenario = parseScenarioText(text, 'stable-patient, wrong')
    const result = await runScenario(scenario, { ...runOptions(), gatewayId: 'demo-gw-009' })
    expect(result.errors).toEqual([])
    expect(result.ok).toBe(false)
    expect(result.differences.map(describeDifference)).toEqual([
      'observations[0] (bp-systolic).count: expected 29, got 28',
      'alerts[0]: expected an open alert rule threshold:spo2, red, got no open alerts',
    ])
  })
})
