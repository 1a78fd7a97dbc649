import { describe, expect, it } from 'vitest'
import { parseScenarioText } from './parse-scenario.js'
import { measureStepReadings, planScenario, sendStepMeasurements } from './scenario-plan.js'
import type { MeasureStep, SendStep } from './scenario-types.js'

const start = new Date('2026-11-22T13:00:00Z')

const scenario = parseScenarioText(`
name: Plan
gateway: { id: demo-gw-002 }
patient:
  profiles: [heart-failure]
  seed: plan
  episodes: [{ kind: heart-failure-decompensation, start: -3d+00:00, ramp: 1d }]
steps:
  - name: per-session
    measure: { from: -7d+00:00, to: 0d+00:00 }
  - name: per-day
    measure: { from: -7d+00:00, to: 0d+00:00, batching: day, devices: [scale, bp-monitor] }
  - name: gap
    measure: { from: -7d+00:00, to: 0d+00:00, batching: all, skip: [{ from: -5d+00:00, to: -3d+00:00 }] }
  - name: bad
    send:
      measurements:
        - { device: scale, at: -1h, values: { body-weight: 81 }, encoding: decoded }
        - { device: scale, at: -1h, type: body-weight, value: 982, unit: kg }
        - { device: glucose-meter, gatt: { characteristic: 2a18, data: AA== } }
        - { raw: { id: r, deviceId: X }, at: -2h }
        - { raw: 42 }
`)

describe('planScenario', () => {
  it('sets up the home: devices of the day plan plus those a step names, fresh ids per run', () => {
    const plan = planScenario(scenario, start, 'run1')
    expect(plan.devices.map((d) => d.kind)).toEqual(['scale', 'bp-monitor', 'oximeter', 'glucose-meter'])
    expect(planScenario(scenario, start, 'run2').devices[0]?.deviceId).not.toBe(plan.devices[0]?.deviceId)
    expect(planScenario(scenario, start, 'run1').devices).toEqual(plan.devices)
  })

  it('groups the patient’s sessions into batches as the step says', () => {
    const plan = planScenario(scenario, start, 'run1')
    const [perSession, perDay, gap] = scenario.steps as MeasureStep[]
    const sessions = measureStepReadings(plan, perSession as MeasureStep)
    // 07:30 scale, 08:00 BP monitor and oximeter: two sessions a day for seven days.
    expect(sessions).toHaveLength(14)
    expect(sessions.flat()).toHaveLength(21)
    const days = measureStepReadings(plan, perDay as MeasureStep)
    expect(days).toHaveLength(7)
    expect(days.flat().map((r) => r.device.kind).filter((k) => k === 'oximeter')).toEqual([])
    const all = measureStepReadings(plan, gap as MeasureStep)
    expect(all).toHaveLength(1)
    expect(all[0]).toHaveLength(15)
  })

  it('makes the episode visible in the readings: weight up over the last three days', () => {
    const plan = planScenario(scenario, start, 'run1')
    const weights = measureStepReadings(plan, scenario.steps[0] as MeasureStep)
      .flat()
      .filter((r) => r.device.kind === 'scale')
      .map((r) => r.values['body-weight'] as number)
    expect((weights[6] ?? 0) - (weights[3] ?? 0)).toBeGreaterThan(2)
  })

  it('writes hand-made measurements as given, wrong ones included', () => {
    const plan = planScenario(scenario, start, 'run1')
    const stamp = (d: Date): string => d.toISOString()
    const measurements = sendStepMeasurements(plan, scenario.steps[3] as SendStep, stamp, () => 60)
    const scale = plan.devices[0]?.deviceId
    expect(measurements).toEqual([
      { id: 'm1', deviceId: scale, type: 'body-weight', value: 81, unit: 'kg', measuredAt: '2026-11-22T12:00:00.000Z', battery: expect.any(Number) },
      { id: 'm2', deviceId: scale, type: 'body-weight', value: 982, unit: 'kg', measuredAt: '2026-11-22T12:00:00.000Z' },
      { id: 'm3', deviceId: plan.devices[3]?.deviceId, gatt: { characteristic: '2a18', data: 'AA==' } },
      { id: 'r', deviceId: 'X', measuredAt: '2026-11-22T11:00:00.000Z' },
      42,
    ])
  })
})
