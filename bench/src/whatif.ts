import { cpus, loadavg } from 'node:os'
import {
  compareReadingBands, evaluateReadings, groupByMeasurement, ReadingBands, replayAlerts, resolvePatientRules, summarizeReplay, VITAL_TYPES,
  type OpenAlertState, type Reading, type RuleSet,
} from '@varde/domain'

/**
 * The what-if's replay (issue 20, ADR 0036): 30 days of one reading a minute
 * (SpO2 and pulse from a continuous oximeter, 43,200 measurements, 86,400
 * readings, plus the 14 days of history the COPD rules look back on) judged
 * again by the rules engine with the rules as they are, as POST
 * /api/patients/:id/rules/:ruleId/what-if does twice. Budget: well under a
 * second per replay (the bench fails above 1 s).
 *
 * Beside it, the old path on a smaller input (the same days, a reading every
 * `[baseline minutes]`, default 15: one a minute takes the old path hours):
 * the same `evaluateReadings` handed the whole history as an array for each
 * measurement, as replayAlerts did before ADR 0036, and the new replay on the
 * same input: the ratio, and a check that both raise the same alerts.
 *
 *   npm run bench:whatif -- [days] [minutes between readings] [baseline minutes]
 */
const days = Number(process.argv[2] ?? 30)
const everyMinutes = Number(process.argv[3] ?? 1)
const baselineMinutes = Number(process.argv[4] ?? 15)
const BUDGET_MS = 1000
const DAY = 86_400_000
const to = new Date('2026-03-31T00:00:00Z')

function oximeter(from: Date, everyMinutes: number): Reading[] {
  const readings: Reading[] = []
  for (let t = from.getTime() - 14 * DAY, i = 0; t < to.getTime(); t += everyMinutes * 60_000, i++) {
    // an evening dip every third day: yellow, some red
    const evening = Math.floor(t / DAY) % 3 === 0 && new Date(t).getUTCHours() >= 18
    const spo2 = evening ? 90 + (i % 4) : 95 + (i % 3)
    for (const [type, value] of [['spo2', spo2], ['pulse', 70 + (i % 9)]] as const) {
      readings.push({
        measurementId: `gw/b${i}/m${i}`, deviceId: 'OX-1', type, value, unit: VITAL_TYPES[type].unit, originalValue: null, originalUnit: null,
        measuredAt: new Date(t), flags: [], battery: null, source: 'decoded',
      })
    }
  }
  return readings
}

/** replayAlerts before ADR 0036: each measurement handed the whole history before it, as a new array. */
function oldReplay(ruleSet: RuleSet, readings: Reading[], from: Date): { alertKey: string; count: number }[] {
  const open = new Map<string, OpenAlertState>()
  const opened: { alertKey: string; count: number }[] = []
  const judged = readings.filter((r) => r.measuredAt < from)
  for (const group of groupByMeasurement(readings.filter((r) => r.measuredAt >= from && r.measuredAt < to))) {
    const history = [...judged]
    for (const a of evaluateReadings({ ruleSet, readings: group.readings, history, openAlerts: [...open.values()], now: group.at })) {
      if (a.kind === 'open') {
        open.set(a.alert.alertKey, { alertKey: a.alert.alertKey, ruleId: a.alert.ruleId, severity: a.alert.severity, count: a.alert.count, isConditionActive: true, lastTriggeredAt: a.alert.triggeredAt })
        opened.push({ alertKey: a.alert.alertKey, count: a.alert.count })
      } else if (a.kind === 'update') {
        Object.assign(open.get(a.alertKey) ?? {}, { severity: a.severity, count: a.count, isConditionActive: true, lastTriggeredAt: a.lastTriggeredAt })
        const o = opened.findLast((x) => x.alertKey === a.alertKey)
        if (o) o.count = a.count
      } else {
        const o = open.get(a.alertKey)
        if (o) o.isConditionActive = false
      }
    }
    judged.push(...group.readings)
  }
  return opened
}

/** Wall and CPU time: on the shared machine the wall clock also counts the neighbours' work, the CPU time only ours. */
function timed<T>(run: () => T): { result: T; ms: number; cpuMs: number } {
  const started = performance.now()
  const cpu = process.cpuUsage()
  const result = run()
  const used = process.cpuUsage(cpu)
  return { result, ms: performance.now() - started, cpuMs: (used.user + used.system) / 1000 }
}

const ruleSet = resolvePatientRules(['copd'], [])

const from = new Date(to.getTime() - days * DAY)
const readings = oximeter(from, everyMinutes)
const replay = timed(() => replayAlerts({ ruleSet, readings, from, to }))
const summary = summarizeReplay(ruleSet, replay.result, 'p')
console.log(`what-if replay: ${readings.length} readings (${days} days + 14 days of history, every ${everyMinutes} min): ${replay.result.length} alerts, ${summary.episodes} episodes, replayed in ${replay.ms.toFixed(0)} ms wall, ${replay.cpuMs.toFixed(0)} ms CPU (budget ${BUDGET_MS} ms CPU; load average ${loadavg()[0]?.toFixed(1)} on ${cpus().length} cores)`)
// the route replays twice (the rules as they are, then with the change): the second runs on warm code
const second = timed(() => replayAlerts({ ruleSet, readings, from, to }))
console.log(`the second replay of a what-if (warm): ${second.ms.toFixed(0)} ms wall, ${second.cpuMs.toFixed(0)} ms CPU`)

// the exact per-reading lists (issue 20; the draft moves the evening dips: 93 % now alerts, 90–91 % yellow → red): the same replay telling each finding to a ReadingBands, and the two compared, as the
// route does; before/after in one run (interleaved, best of 3 each: the machine is shared), the ratio is the lists' cost
const draft = resolvePatientRules(['copd'], [{
  ruleId: 'threshold:spo2', version: 1, setBy: { id: 'bench' }, setAt: to, reason: null,
  params: { vitals: [{ vital: 'spo2', red: { low: { value: 91, isInclusive: true } }, yellow: { low: { value: 93, isInclusive: true } }, hysteresis: 1 }] },
}])
const plain: number[] = []
const listed: number[] = []
let changes = compareReadingBands(new ReadingBands(), new ReadingBands())
for (let i = 0; i < 3; i++) {
  plain.push(timed(() => [replayAlerts({ ruleSet, readings, from, to }), replayAlerts({ ruleSet: draft, readings, from, to })]).cpuMs)
  listed.push(timed(() => {
    const bands = { current: new ReadingBands(), proposed: new ReadingBands() }
    replayAlerts({ ruleSet, readings, from, to, onFinding: (f) => bands.current.add(f) })
    replayAlerts({ ruleSet: draft, readings, from, to, onFinding: (f) => bands.proposed.add(f) })
    changes = compareReadingBands(bands.current, bands.proposed)
  }).cpuMs)
}
const best = (xs: number[]) => Math.min(...xs)
console.log(`a what-if (two replays) without the per-reading lists: ${best(plain).toFixed(0)} ms CPU; with them: ${best(listed).toFixed(0)} ms CPU (${(best(listed) / best(plain)).toFixed(2)}x); `
  + `${changes.nowAlert.count} readings now alert, ${changes.nowPass.count} now pass, ${changes.otherBand.count} in another band`)

const small = oximeter(from, baselineMinutes)
const oldPath = timed(() => oldReplay(ruleSet, small, from))
const newPath = timed(() => replayAlerts({ ruleSet, readings: small, from, to }))
const same = JSON.stringify(oldPath.result) === JSON.stringify(newPath.result.map((a) => ({ alertKey: a.alertKey, count: a.count })))
console.log(`baseline on ${small.length} readings (every ${baselineMinutes} min): old path ${oldPath.cpuMs.toFixed(0)} ms CPU, new ${newPath.cpuMs.toFixed(1)} ms CPU: ${(oldPath.cpuMs / newPath.cpuMs).toFixed(0)}x; same alerts: ${same ? 'yes' : 'NO'}`)

if (!same || replay.cpuMs > BUDGET_MS || second.cpuMs > BUDGET_MS || best(listed) > 2 * BUDGET_MS) process.exitCode = 1
