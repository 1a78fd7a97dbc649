import { readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { loadScenarioFile, parseScenarioText, ScenarioError, type ScenarioIssue } from './parse-scenario.js'
import { RuleClockTime } from './rule-clock-time.js'

const SCENARIOS = fileURLToPath(new URL('../../scenarios/', import.meta.url))

const issuesOf = (yaml: string): ScenarioIssue[] => {
  try {
    parseScenarioText(yaml, 'test.yaml')
  } catch (error) {
    if (error instanceof ScenarioError) return error.issues
    throw error
  }
  return []
}

const minimal = `
name: Minimal
gateway: { id: demo-gw-001 }
patient: { profiles: [copd], seed: 1 }
steps:
  - measure: { from: -1d+00:00, to: 0d+00:00 }
`

describe('scenario files', () => {
  const files = readdirSync(SCENARIOS).filter((f) => f.endsWith('.yaml'))

  it('ships the scenarios the testers need', () => {
    expect(files.sort()).toEqual([
      'copd-exacerbation.yaml',
      'duplicate-resends.yaml',
      'heart-failure-decompensation.yaml',
      'live-compressed.yaml',
      'low-battery.yaml',
      'malformed-payloads.yaml',
      'missed-measurements.yaml',
      'stable-patient.yaml',
      'store-and-forward.yaml',
      'wrong-clock.yaml',
    ])
  })

  it.each(files)('%s is valid and expects something', async (file) => {
    const scenario = await loadScenarioFile(`${SCENARIOS}${file}`)
    expect(scenario.name).not.toBe('')
    expect(scenario.description).not.toBe('')
    expect(scenario.expect?.receipts).not.toBeNull()
  })
})

describe('parseScenario', () => {
  it('reads a rule step, with `{ in: … }` as clock times relative to the step, and a baseline for the patient', () => {
    const s = parseScenarioText(`
name: Rules
gateway: { id: demo-gw-011 }
patient: { profiles: [diabetes], seed: 1, baseline: { systolic: 132, glucose: 7 } }
steps:
  - name: schedule
    rule:
      id: missed:blood-glucose
      kind: missed-measurement
      params: { vital: blood-glucose, windowStart: { in: 5s }, deadline: { in: 65s }, weekdays: [1, 7], severity: yellow }
  - rule: { id: threshold:spo2, isEnabled: false, reason: on oxygen }
`)
    expect(s.patient.baseline).toEqual({ systolic: 132, glucose: 7 })
    expect(s.steps[0]).toEqual({
      kind: 'rule', name: 'schedule', ruleId: 'missed:blood-glucose', ruleKind: 'missed-measurement', isEnabled: null, reason: null,
      params: { vital: 'blood-glucose', windowStart: new RuleClockTime(5000), deadline: new RuleClockTime(65_000), weekdays: [1, 7], severity: 'yellow' },
    })
    expect(s.steps[1]).toMatchObject({ kind: 'rule', ruleId: 'threshold:spo2', params: null, isEnabled: false, reason: 'on oxygen' })
  })

  it('names what is wrong in a rule step and a baseline', () => {
    expect(issuesOf(`
name: Bad rules
gateway: { id: demo-gw-011 }
patient: { profiles: [diabetes], seed: 1, baseline: { systolic: high, bmi: 30 } }
steps:
  - rule: { kind: threshold }
  - rule: { id: x, params: { deadline: { in: soon } }, isEnabled: maybe }
  - rule: { id: y }
`).map((i) => i.path)).toEqual([
      'patient.baseline.bmi',
      'patient.baseline.systolic',
      'steps[0].rule.id',
      'steps[1].rule.params.deadline.in',
      'steps[1].rule.isEnabled',
      'steps[2].rule',
    ])
  })

  it('fills in defaults', () => {
    const s = parseScenarioText(minimal)
    expect(s).toMatchObject({
      timeZone: 'Europe/Oslo',
      start: 'now',
      gateway: { id: 'demo-gw-001', secret: 'demo-gw-001-secret', battery: 100, clockOffsetMs: 0, firmware: null },
      patient: { profiles: ['copd'], seed: 1, adherence: 1, episodes: [] },
      devices: [],
      expect: null,
    })
    expect(s.steps).toEqual([
      {
        kind: 'measure', name: '', devices: null, adherence: null, skip: [], batching: 'session',
        from: { text: '-1d+00:00', days: -1, ms: 0, clock: { hour: 0, minute: 0 } },
        to: { text: '0d+00:00', days: 0, ms: 0, clock: { hour: 0, minute: 0 } },
      },
    ])
  })

  it('reads every kind of step and expectation', () => {
    const s = parseScenarioText(`
name: All
start: 2026-11-22T00:00:00+01:00
gateway: { id: gw-1, secret: s, clock: -3h, battery: 12, firmware: 9.9.9 }
patient:
  profiles: [heart-failure, diabetes]
  seed: abc
  episodes: [{ kind: fever, start: -2d, ramp: 12h, duration: 1d, severity: 2 }]
devices: [{ kind: scale, id: AA:BB, encoding: gatt, battery: 5 }]
steps:
  - { name: m, measure: { from: -2d, devices: [scale], batching: all, skip: [{ from: -1d, to: -12h }] } }
  - { name: s, send: { batchId: fixed-1, measurements: [{ device: scale, at: -1h, values: { body-weight: 80 } }, { raw: { id: x } }] } }
  - { payload: 'not json' }
  - { offline: {} }
  - { online: }
  - { resend: s }
  - { battery: { device: scale, level: 3, gateway: 8 } }
  - { clock: { offset: 0s } }
  - { wait: { command: sync-clock, timeout: 5s } }
  - { live: { for: 10s, every: 2s } }
expect:
  receipts: { total: { accepted: all, rejected: { out-of-range: 1 } }, steps: { s: { duplicate: 0, error: malformed-batch } } }
  observations: [{ type: body-weight, count: { min: 1 }, latest: { max: 90 }, rise: { min: 2 } }]
  alerts: [{ rule: weight-gain, severity: red }]
  commands: [sync-clock]
  settle: 5s
`)
    expect(s.start).toEqual(new Date('2026-11-21T23:00:00Z'))
    expect(s.gateway).toEqual({ id: 'gw-1', secret: 's', clockOffsetMs: -10_800_000, battery: 12, firmware: '9.9.9' })
    expect(s.patient.episodes).toEqual([
      { kind: 'fever', start: expect.objectContaining({ days: -2 }), rampMs: 43_200_000, durationMs: 86_400_000, severity: 2 },
    ])
    expect(s.steps.map((step) => step.kind)).toEqual(['measure', 'send', 'payload', 'offline', 'online', 'resend', 'battery', 'clock', 'wait', 'live'])
    expect(s.steps[1]).toMatchObject({ batchId: 'fixed-1', measurements: [{ form: 'values', values: { 'body-weight': 80 } }, { form: 'raw', raw: { id: 'x' } }] })
    expect(s.expect).toMatchObject({
      receipts: { total: { accepted: 'all', rejected: { 'out-of-range': 1 } }, steps: { s: { duplicate: 0, error: 'malformed-batch' } } },
      observations: [{ type: 'body-weight', count: { min: 1, max: null }, latest: { min: null, max: 90 }, rise: { min: 2, max: null } }],
      alerts: [{ rule: 'weight-gain', severity: 'red', summary: null }],
      commands: ['sync-clock'],
      settleMs: 5000,
    })
  })

  it('lists every problem with its place in the file', () => {
    const issues = issuesOf(`
name: Broken
gatway: { id: x }
gateway: { id: "no spaces allowed" }
patient: { profiles: [copd, asthma], seed: [1] }
steps:
  - measure: { from: yesterday, batching: hourly }
  - resend: nothing-before
  - send: { measurements: [{ device: toaster, at: -1h, values: { mood: 3 } }] }
  - offline: {}
  - payload: { not: a string }
expect:
  receipts: { steps: { ghost: { accepted: 1.5 } } }
  observations: [{ type: weight }]
`)
    expect(issues).toEqual([
      { path: 'gatway', message: expect.stringContaining('unknown key') },
      { path: 'gateway.id', message: 'must be 3–64 of A-Z a-z 0-9 . _ -' },
      { path: 'patient.profiles[1]', message: expect.stringContaining('unknown profile "asthma"') },
      { path: 'patient.seed', message: 'required: a number or a string' },
      { path: 'steps[0].measure.from', message: expect.stringContaining('not a time: "yesterday"') },
      { path: 'steps[0].measure.batching', message: 'must be one of session, day, all' },
      { path: 'steps[2].send.measurements[0].device', message: expect.stringContaining('unknown device "toaster"') },
      { path: 'steps[2].send.measurements[0].values.mood', message: expect.stringContaining('unknown vital type') },
      { path: 'steps[4].payload', message: 'must be a string, sent as it is' },
      { path: 'steps[1].resend', message: 'no earlier step named "nothing-before"' },
      { path: 'steps[4]', message: expect.stringContaining('needs the gateway online') },
      { path: 'steps', message: expect.stringContaining('still offline at the end') },
      { path: 'expect.receipts.steps.ghost', message: 'no step named "ghost"' },
      { path: 'expect.receipts.steps.ghost.accepted', message: 'must be a whole number' },
      { path: 'expect.observations[0].type', message: 'unknown vital type "weight"' },
    ])
  })

  it('refuses YAML that does not parse, naming the file', () => {
    expect(() => parseScenarioText('name: [unclosed', 'bad.yaml')).toThrow(/bad\.yaml: a problem\n {2}\(file\): not valid YAML/)
  })

  it('reports a file it cannot read', async () => {
    await expect(loadScenarioFile('/nonexistent/scenario.yaml')).rejects.toThrow(/cannot read/)
  })
})
