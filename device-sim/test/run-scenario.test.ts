import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { describeDifference, parseScenarioText, runScenario, type RunScenarioOptions } from '../src/index.js'
import { JudgingPlatform } from './support/judging-platform.js'
import { Mosquitto } from './support/mosquitto.js'

let broker: Mosquitto
let platform: JudgingPlatform
let options: RunScenarioOptions

beforeAll(async () => {
  broker = await Mosquitto.start()
  platform = await JudgingPlatform.start(broker.url)
  options = {
    mqttUrl: broker.url,
    httpUrl: platform.httpUrl,
    credentials: { username: 'sykepleier', password: 'demo' },
    expect: true,
    receiptTimeoutMs: 10_000,
    resendAfterMs: 2_000,
    alertQuietMs: 200,
  }
})
afterAll(async () => {
  await platform?.close()
  await broker?.stop()
})

const scenarioFile = (name: string): string => fileURLToPath(new URL(`../scenarios/${name}.yaml`, import.meta.url))

/** The differences, readable in a failing assertion. */
const differencesOf = (result: { differences: Parameters<typeof describeDifference>[0][]; errors: string[] }): string[] => [
  ...result.errors.map((e) => `error: ${e}`),
  ...result.differences.map(describeDifference),
]

describe('scenario files against a platform that judges with the domain rules', () => {
  it('malformed-payloads: every bad payload and measurement gets its code, the good ones are stored', async () => {
    const result = await runScenario(scenarioFile('malformed-payloads'), options)
    expect(differencesOf(result)).toEqual([])
    expect(result.ok).toBe(true)
    expect(result.totals).toMatchObject({ malformed: 3, accepted: 2, rejected: 9 })
  })

  it('duplicate-resends: re-sent batches come back duplicate and nothing is stored twice', async () => {
    const result = await runScenario(scenarioFile('duplicate-resends'), options)
    expect(differencesOf(result)).toEqual([])
    expect(platform.readings.filter((r) => r.gatewayId === 'demo-gw-003')).toHaveLength(3)
  })

  it('wrong-clock: the platform corrects the times and the gateway obeys sync-clock', async () => {
    const result = await runScenario(scenarioFile('wrong-clock'), options)
    expect(differencesOf(result)).toEqual([])
    expect(result.commands).toContainEqual(expect.objectContaining({ command: 'sync-clock' }))
    const stored = platform.readings.filter((r) => r.gatewayId === 'demo-gw-010')
    expect(stored.filter((r) => r.flags.includes('clock-adjusted')).length).toBeGreaterThan(0)
  })

  it('store-and-forward: the last will marks the gateway offline, kept batches burst on reconnect', async () => {
    const result = await runScenario(scenarioFile('store-and-forward'), options)
    expect(differencesOf(result)).toEqual([])
    const statuses = platform.statuses.filter((s) => s.gatewayId === 'demo-gw-008').map((s) => JSON.parse(s.payload).state)
    expect(statuses).toEqual(['online', 'offline', 'online', 'offline'])
    const late = platform.readings.filter((r) => r.gatewayId === 'demo-gw-008' && r.flags.includes('late'))
    expect(late.length).toBeGreaterThan(0)
  })

  it('heart-failure-decompensation and copd-exacerbation: the model shows the episode in stored readings', async () => {
    // This stand-in has no rules engine: the alerts these scenarios expect are
    // checked against the real platform (platform/test/scenarios.test.ts).
    for (const name of ['heart-failure-decompensation', 'copd-exacerbation']) {
      const result = await runScenario(scenarioFile(name), { ...options, only: ['receipts', 'commands', 'observations'] })
      expect(differencesOf(result), name).toEqual([])
    }
  })

  it('names every difference when the platform does not do what the scenario expects', async () => {
    const scenario = parseScenarioText(`
name: Wrong expectations
gateway: { id: demo-gw-012 }
patient: { profiles: [heart-failure], seed: 7 }
devices: [{ kind: scale, encoding: gatt }]
steps:
  - name: week
    measure: { from: -7d+00:00, to: 0d+00:00 }
expect:
  receipts:
    total: { accepted: 6, rejected: { out-of-range: 1 } }
  observations:
    - { type: body-weight, from: -7d+00:00, to: 0d+00:00, count: 8, values: { max: 20 } }
  alerts:
    - { rule: weight-gain, severity: red }
  settle: 1s
`)
    platform.alerts = [
      { id: 'a1', patientId: JudgingPlatform.patientOf('demo-gw-012'), severity: 'yellow', status: 'open', rule: 'missed-measurement', openedAt: new Date(Date.now() + 1000).toISOString(), summary: 'Ingen måling' },
    ]
    const result = await runScenario(scenario, options)
    platform.alerts = []
    expect(result.ok).toBe(false)
    expect(result.errors).toEqual([])
    expect(result.differences.map((d) => d.path)).toEqual([
      'receipts.total.accepted',
      'receipts.total.rejected.out-of-range',
      'observations[0] (body-weight).count',
      'observations[0] (body-weight).values',
      'alerts[0]',
      'alerts',
    ])
    expect(describeDifference(result.differences[0] as never)).toBe('receipts.total.accepted: expected 6, got 7')
    expect(describeDifference(result.differences[2] as never)).toBe('observations[0] (body-weight).count: expected 8, got 7')
  })

  it('changes a rule of the gateway\'s patient through the API, and stops at a refused change naming the reason', async () => {
    const scenario = parseScenarioText(`
name: Rule change
gateway: { id: demo-gw-013 }
patient: { profiles: [copd], seed: 3 }
steps:
  - measure: { from: -1d+00:00, to: 0d+00:00 }
  - name: oxygen
    rule: { id: threshold:spo2, params: { vitals: [{ vital: spo2, red: { low: { value: 85, isInclusive: true } } }] }, reason: on home oxygen }
  - name: off
    rule: { id: news2, isEnabled: false }
  - name: refused
    rule: { id: no-such-rule, isEnabled: false }
  - measure: { from: 0d+00:00, to: now }
`)
    const result = await runScenario(scenario, { ...options, expect: false })
    const patientId = JudgingPlatform.patientOf('demo-gw-013')
    expect(platform.ruleChanges.filter((c) => c.patientId === patientId)).toEqual([
      { patientId, ruleId: 'threshold:spo2', body: { params: { vitals: [{ vital: 'spo2', red: { low: { value: 85, isInclusive: true } } }] }, reason: 'on home oxygen' } },
      { patientId, ruleId: 'news2', body: { isEnabled: false, reason: 'scenario "Rule change", step off' } },
    ])
    expect(result.ok).toBe(false)
    expect(result.errors).toEqual([expect.stringMatching(/^refused: .*HTTP 400: unknown-rule: no rule no-such-rule for this patient$/)])
  })

  it('without --expect it only runs, and reports what came back', async () => {
    const result = await runScenario(scenarioFile('stable-patient'), { ...options, expect: false })
    expect(result.isChecked).toBe(false)
    expect(result.ok).toBe(true)
    expect(result.totals).toMatchObject({ batches: 28, rejected: 0, unreceipted: 0 })
  })
})
