import { replayAlerts, resolvePatientRules, summarizeReplay, VITAL_TYPES, type Reading } from '@varde/domain'

/**
 * The what-if's replay (issue 20): 30 days of one reading a minute (SpO2 and
 * pulse from a continuous oximeter, 86,400 readings) judged again by the
 * rules engine with the rules as they are, as POST
 * /api/patients/:id/rules/:ruleId/what-if does twice. Budget: well under a
 * second per replay. Not met today: replayAlerts hands each measurement the
 * whole history before it, so this is quadratic (ADR 0027); `1` (one day)
 * did not finish in 400 s on the shared 2-core machine.
 *
 *   node bench/dist/what-if.js [days] [minutes between readings]
 */
const days = Number(process.argv[2] ?? 30)
const everyMs = Number(process.argv[3] ?? 1) * 60_000
const to = new Date('2026-03-31T00:00:00Z')
const from = new Date(to.getTime() - days * 86_400_000)
const readings: Reading[] = []
for (let t = from.getTime() - 14 * 86_400_000, i = 0; t < to.getTime(); t += everyMs, i++) {
  // an evening dip every third day: yellow, some red
  const evening = Math.floor(t / 86_400_000) % 3 === 0 && new Date(t).getUTCHours() >= 18
  const spo2 = evening ? 90 + (i % 4) : 95 + (i % 3)
  for (const [type, value] of [['spo2', spo2], ['pulse', 70 + (i % 9)]] as const) {
    readings.push({
      measurementId: `gw/b${i}/m${i}`, deviceId: 'OX-1', type, value, unit: VITAL_TYPES[type].unit, originalValue: null, originalUnit: null,
      measuredAt: new Date(t), flags: [], battery: null, source: 'decoded',
    })
  }
}
const ruleSet = resolvePatientRules(['copd'], [])
const started = performance.now()
const alerts = replayAlerts({ ruleSet, readings, from, to })
const ms = performance.now() - started
const summary = summarizeReplay(ruleSet, alerts, 'p')
console.log(`${readings.length} readings (${days} days + 14 days of history, every ${everyMs / 60_000} min): ${alerts.length} alerts, ${summary.episodes} episodes, replayed in ${ms.toFixed(0)} ms`)
