import { readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import {
  CONDITION_IDS, episodeNotices, evaluateReadings, groupByMeasurement, groupEpisodes, resolvePatientRules, VITAL_TYPES,
  type AlertAction, type AlertFinding, type ConditionId, type EpisodeAlertInput, type EpisodeValue, type Reading,
} from '@varde/domain'
import { loadScenarioFile, measureStepReadings, planScenario, resolveAt, type Scenario, type ScenarioPlan } from '@varde/device-sim'

/**
 * The alarm-fatigue figure (issue 20): on the simulator's clinical scenario
 * set (device-sim/scenarios), what a nurse is interrupted by today, one card
 * or notification per alert opened and per alert raised from yellow to red,
 * against what the inbox shows as episodes (@varde/domain episodes.ts): one
 * per new episode and one per episode turning red. Each scenario's readings
 * are judged by the real rules engine, one measurement at a time in time
 * order, as the rules worker judges them; no nurse resolves anything during a
 * scenario (as the scenarios expect). Reading rules only: missed-measurement
 * and device alerts need the platform's clock and gateways.
 *
 * A nurse-day: the scenario set's simulated days laid end to end are patient-
 * days; a nurse carries 80 patients (Helsedirektoratet's evaluation), so a
 * nurse-day is 80 patient-days.
 *
 *   npm run bench:episodes           (or: node bench/dist/episodes.js)
 */
const SCENARIOS = fileURLToPath(new URL('../../device-sim/scenarios/', import.meta.url))
const PATIENTS_PER_NURSE = 80
const START = new Date(process.env.START ?? '2026-03-02T12:00:00Z')

function readingsOf(plan: ScenarioPlan): Reading[] {
  const measured = plan.scenario.steps.flatMap((step) => {
    if (step.kind === 'measure') return measureStepReadings(plan, step).flat()
    if (step.kind === 'send') {
      return step.measurements.flatMap((m) => {
        const device = m.form === 'values' ? plan.devices.find((d) => d.kind === m.device) : undefined
        return m.form === 'values' && device ? [{ device, at: resolveAt(plan, m.at), values: m.values }] : []
      })
    }
    return []
  })
  return measured.flatMap((r, i) =>
    Object.entries(r.values).map(([type, value]): Reading => ({
      measurementId: `m${i}`, deviceId: r.device.deviceId, type: type as Reading['type'], value: value as number,
      unit: VITAL_TYPES[type as Reading['type']].unit, originalValue: null, originalUnit: null, measuredAt: r.at, flags: [],
      battery: null, source: 'decoded',
    })))
}

interface Figure { scenario: string; days: number; alertsRaised: number; episodesShown: number }

function judge(name: string, scenario: Scenario): Figure | null {
  const plan = planScenario(scenario, START, 'bench')
  const conditions = scenario.patient.profiles.filter((p): p is ConditionId => (CONDITION_IDS as readonly string[]).includes(p))
  const ruleSet = resolvePatientRules(conditions, [])
  const readings = readingsOf(plan).sort((a, b) => a.measuredAt.getTime() - b.measuredAt.getTime())
  if (readings.length === 0) return null
  const alerts = new Map<string, EpisodeAlertInput & { alertKey: string }>()
  const judged: Reading[] = []
  let alertsRaised = 0
  let episodesShown = 0
  let ids = 0
  const valueOf = (f: AlertFinding): EpisodeValue | null => {
    const r = f.readings[0]
    return r ? { value: r.value, at: f.triggeredAt, severity: f.severity } : null
  }
  const store = (action: AlertAction) => {
    if (action.kind === 'open') {
      const a = action.alert
      alertsRaised += 1
      alerts.set(a.alertKey, {
        id: `a${String(++ids).padStart(4, '0')}`, alertKey: a.alertKey, patientId: name, ruleId: a.ruleId, ruleKind: a.ruleKind, severity: a.severity,
        status: 'open', count: a.count, isConditionActive: a.isConditionActive, firstTriggeredAt: a.triggeredAt,
        lastTriggeredAt: a.triggeredAt, vital: a.readings[0]?.type ?? null, first: valueOf(a), last: valueOf(a),
      })
      return
    }
    const alert = alerts.get(action.alertKey)
    if (!alert) return
    if (action.kind === 'clear') { alert.isConditionActive = false; return }
    if (action.isEscalated) alertsRaised += 1
    Object.assign(alert, { severity: action.severity, count: action.count, isConditionActive: true, lastTriggeredAt: action.lastTriggeredAt, last: valueOf(action.finding) })
  }
  for (const group of groupByMeasurement(readings)) {
    const before = groupEpisodes([...alerts.values()])
    const actions = evaluateReadings({
      ruleSet, readings: group.readings, history: judged, openAlerts: [...alerts.values()],
      now: new Date(group.at.getTime() + 20_000),
    })
    judged.push(...group.readings)
    for (const action of actions) store(action)
    episodesShown += episodeNotices(before, groupEpisodes([...alerts.values()])).length
  }
  const days = (readings.at(-1)!.measuredAt.getTime() - readings[0]!.measuredAt.getTime()) / 86_400_000
  return { scenario: name, days: Math.max(days, 1), alertsRaised, episodesShown }
}

const figures: Figure[] = []
const t0 = performance.now()
for (const file of readdirSync(SCENARIOS).filter((f) => f.endsWith('.yaml')).sort()) {
  const figure = judge(file.replace(/\.yaml$/, ''), await loadScenarioFile(`${SCENARIOS}${file}`))
  if (figure) figures.push(figure)
}
const ms = performance.now() - t0
const pad = (s: string | number, n: number) => String(s).padStart(n)
console.log(`scenario${' '.repeat(26)}days  alerts raised  episodes shown`)
for (const f of figures) console.log(`${f.scenario.padEnd(32)}${pad(f.days.toFixed(1), 6)}${pad(f.alertsRaised, 15)}${pad(f.episodesShown, 16)}`)
const days = figures.reduce((s, f) => s + f.days, 0)
const raised = figures.reduce((s, f) => s + f.alertsRaised, 0)
const shown = figures.reduce((s, f) => s + f.episodesShown, 0)
const perNurseDay = (n: number) => ((n / days) * PATIENTS_PER_NURSE).toFixed(1)
console.log(`\n${figures.length} scenarios, ${days.toFixed(1)} patient-days, judged in ${ms.toFixed(0)} ms`)
console.log(`per nurse-day (${PATIENTS_PER_NURSE} patients): alerts raised ${perNurseDay(raised)}, episodes shown ${perNurseDay(shown)}, ratio ${shown === 0 ? 'n/a' : (raised / shown).toFixed(2)}`)
