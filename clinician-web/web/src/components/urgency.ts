import type { Patient } from '@varde/api-contract'

/** The response centre's traffic light (rød / gul / grønn), from a patient's open alerts. */
export type Urgency = 'red' | 'yellow' | 'green'

const RANK: Readonly<Record<Urgency, number>> = { red: 0, yellow: 1, green: 2 }

export function urgencyOf(openAlerts: Patient['openAlerts']): Urgency {
  if (openAlerts.red > 0) return 'red'
  if (openAlerts.yellow > 0) return 'yellow'
  return 'green'
}

/** Red first, then yellow, then everyone else; by name within each, so the list stays put. */
export function sortByUrgency<T extends Pick<Patient, 'openAlerts' | 'displayName'>>(
  patients: readonly T[],
  locale: string,
): T[] {
  const collator = new Intl.Collator(locale, { sensitivity: 'base' })
  return [...patients].sort(
    (a, b) =>
      RANK[urgencyOf(a.openAlerts)] - RANK[urgencyOf(b.openAlerts)] ||
      collator.compare(a.displayName, b.displayName),
  )
}
