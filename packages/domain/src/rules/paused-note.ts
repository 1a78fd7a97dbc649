import type { AlertAction, AlertFinding } from './alert.js'
import { isPausedDuring, type ServicePause } from './rule-set.js'

/**
 * A dangerous value during a pause still alerts (issue 17: a pause stops
 * missed-measurement and device alerts only), and says the service is
 * paused, so the nurse who calls knows the patient may be in hospital.
 * Applied to the reading rules' actions; the findings are otherwise unchanged.
 */
export const PAUSED_NOTE = { nb: 'tjenesten er satt på pause', en: 'the service is paused' } as const

const noted = (finding: AlertFinding, pauses: readonly ServicePause[]): AlertFinding => {
  if (finding.readings.length === 0 || !isPausedDuring(pauses, finding.triggeredAt, finding.triggeredAt)) return finding
  return { ...finding, summary: { nb: `${finding.summary.nb} (${PAUSED_NOTE.nb})`, en: `${finding.summary.en} (${PAUSED_NOTE.en})` } }
}

export function notePausedService(actions: readonly AlertAction[], pauses: readonly ServicePause[]): AlertAction[] {
  if (pauses.length === 0) return [...actions]
  return actions.map((a) => {
    if (a.kind === 'open') return { ...a, alert: { ...a.alert, ...noted(a.alert, pauses) } }
    if (a.kind === 'update') return { ...a, finding: noted(a.finding, pauses) }
    return a
  })
}
