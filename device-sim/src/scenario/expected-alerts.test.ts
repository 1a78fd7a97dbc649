import { readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { CONDITION_IDS, evaluateReadings, resolvePatientRules, VITAL_TYPES, type ConditionId, type Reading } from '@varde/domain'
import { describe, expect, it } from 'vitest'
import type { DeviceReading } from '../devices/measurement-encoding.js'
import { loadScenarioFile } from './parse-scenario.js'
import { measureStepReadings, planScenario, resolveAt, type ScenarioPlan } from './scenario-plan.js'
import type { Scenario, ScenarioStep } from './scenario-types.js'

/**
 * The alerts a scenario expects must follow from its patient model whatever
 * the hour or day it runs: readings are stamped relative to the run, so the
 * noise, the daily rhythm and which sessions fall in the last 24 hours (the
 * only ones that page anyone) change from run to run. This judges each
 * shipped scenario's readings with the domain's own rules at many start times
 * and asks for exactly the reading alerts (thresholds, trends, baselines,
 * NEWS2) it expects; schedule and device alerts need the platform's clock and
 * gateway state and are checked end to end (platform/test/scenarios.test.ts).
 */
const SCENARIOS = fileURLToPath(new URL('../../scenarios/', import.meta.url))
const READING_RULE = /^(threshold|baseline|trend):|^news2$/
/** Start times 3 h 37 min apart: every hour of the day, weekdays, winter and summer time. */
const STARTS = Array.from({ length: Number(process.env.N ?? 240) }, (_, k) => new Date(Date.UTC(2026, 0, 1, 0, 7) + k * 217 * 60_000 * 11))

/** The readings of a run that the rules see: measured sessions, hand-written values, a live step's first minute. */
function readingsOf(plan: ScenarioPlan, steps: readonly ScenarioStep[]): Reading[] {
  const deviceReadings: DeviceReading[] = steps.flatMap((step): DeviceReading[] => {
    switch (step.kind) {
      case 'measure':
        return measureStepReadings(plan, step).flat()
      case 'send':
        return step.measurements.flatMap((m) => {
          const device = plan.devices.find((d) => m.form === 'values' && d.kind === m.device)
          return m.form === 'values' && device ? [{ device, at: resolveAt(plan, m.at), values: m.values }] : []
        })
      case 'live': {
        const slots = plan.schedule.map((s) => s.devices.filter((d) => step.devices === null || step.devices.includes(d))).filter((d) => d.length > 0)
        return Array.from({ length: Math.ceil(step.durationMs / step.everyMs) }, (_, k) => {
          const at = new Date(plan.start.getTime() + k * step.everyMs)
          return (slots[k % slots.length] ?? []).flatMap((kind) => {
            const device = plan.devices.find((d) => d.kind === kind)
            return device ? [{ device, at, values: plan.patient.measure(kind, at) }] : []
          })
        }).flat()
      }
      default:
        return []
    }
  })
  return deviceReadings.flatMap((r, i) =>
    Object.entries(r.values).map(([type, value]) => ({
      measurementId: `m${i}`, deviceId: r.device.deviceId, type: type as Reading['type'], value: value as number,
      unit: VITAL_TYPES[type as Reading['type']].unit, originalValue: null, originalUnit: null, measuredAt: r.at, flags: [],
      battery: null, source: 'decoded' as const,
    })),
  )
}

/** `rule severity` of each reading alert the rules leave open after a run starting at `start`. */
function readingAlertsOf(scenario: Scenario, start: Date): string[] {
  const plan = planScenario(scenario, start, 'model')
  const conditions = scenario.patient.profiles.filter((p): p is ConditionId => (CONDITION_IDS as readonly string[]).includes(p))
  const readings = readingsOf(plan, scenario.steps)
  const severity = new Map<string, string>()
  for (const action of evaluateReadings({ ruleSet: resolvePatientRules(conditions, []), readings, history: readings, openAlerts: [], now: start })) {
    if (action.kind === 'open') severity.set(action.alert.ruleId, action.alert.severity)
    else if (action.kind === 'update') severity.set(action.alertKey, action.severity)
  }
  return [...severity.entries()].map(([rule, s]) => `${rule} ${s}`).sort()
}

describe('alerts the shipped scenarios expect', () => {
  const files = readdirSync(SCENARIOS).filter((f) => f.endsWith('.yaml')).sort()

  it.each(files)('%s: its patient model gives exactly the expected reading alerts at any hour', async (file) => {
    const scenario = await loadScenarioFile(`${SCENARIOS}${file}`)
    const expected = scenario.expect?.alerts
    if (!expected) return // no alert expectations (live-compressed: real time, any hour)
    const want = expected
      .filter((a) => a.rule !== null && READING_RULE.test(a.rule))
      .map((a) => `${a.rule} ${a.severity ?? ''}`.trim())
      .sort()
    const misses = STARTS.map((start) => ({ start, got: readingAlertsOf(scenario, start) }))
      .filter(({ got }) => got.length !== want.length || got.some((g, i) => !g.startsWith(want[i] ?? '\u0000')))
      .slice(0, 3)
      .map(({ start, got }) => `start ${start.toISOString()}: ${got.join(', ') || 'none'}`)
    expect(misses, `expected ${want.join(', ') || 'no reading alert'}`).toEqual([])
  })
})
