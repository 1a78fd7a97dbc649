import type { LocalizedText } from './localized-text.js'

/**
 * The traffic light of the response centre (DOMAIN.md: *rød / gul / grønn*).
 * Green is the absence of an alert, so an alert is red or yellow.
 */
export type Severity = 'red' | 'yellow'

export const SEVERITY_LABEL: Readonly<Record<Severity, LocalizedText>> = {
  red: { nb: 'rød', en: 'red' },
  yellow: { nb: 'gul', en: 'yellow' },
}

/** Red outranks yellow. */
export function maxSeverity(a: Severity, b: Severity): Severity {
  return a === 'red' || b === 'red' ? 'red' : 'yellow'
}

export function isMoreSevere(a: Severity, than: Severity): boolean {
  return a === 'red' && than === 'yellow'
}
