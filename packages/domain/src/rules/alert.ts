import type { VitalType } from '../vital-types.js'
import type { LocalizedText } from './localized-text.js'
import type { RuleKind, RuleParams } from './rule-set.js'
import type { Severity } from './severity.js'

/**
 * What the engine says about alerts. It never stores anything: it reads the
 * open alerts it is given and returns actions for the caller to apply.
 *
 * Lifecycle of one alert (one per patient and `alertKey`):
 * - `open`: the first finding for a key with no open alert.
 * - `update`: a later finding while it is open: count + 1, latest readings,
 *   severity raised if the finding is worse (`isEscalated`), never lowered;
 *   the condition is active again if it had been cleared.
 * - `clear`: the condition is over (past the hysteresis). The alert stays
 *   open: only a nurse resolves (*avslutter*) an alert. A finding after a
 *   clear updates the same open alert again.
 * After a nurse resolves it, the next finding opens a new alert.
 */

/** The reading an alert points to, as stored. */
export interface ReadingRef {
  type: VitalType
  value: number
  unit: string
  measuredAt: Date
  measurementId: string
  deviceId: string
}

/** What one rule found once: enough to explain the alert without looking anything else up. */
export interface AlertFinding {
  ruleId: string
  ruleVersion: string
  ruleKind: RuleKind
  /** Severity of this finding. */
  severity: Severity
  /** The rule's parameters that applied (limits, windows, hysteresis). */
  thresholds: RuleParams
  /** Numbers computed on the way: `gainKg`, `baselineMedian`, `score`, `hoursOffline` … */
  measures: Record<string, number>
  /** The readings that caused it; empty for findings about time or devices. */
  readings: ReadingRef[]
  /** One line each, e.g. "Oksygenmetning 86 % (rød grense ≤ 91 %)". */
  summary: LocalizedText
  /** The (partial) NEWS2 score of the same observations, where one could be computed. */
  news2Score: number | null
  /** Clinical source of the rule's defaults. */
  source: string
  /** The instant the finding is about: the reading's `measuredAt`, a missed deadline, an offline episode's start. */
  triggeredAt: Date
}

export interface AlertDraft extends AlertFinding {
  /** One open alert per patient and key, e.g. `threshold:spo2`, `device:low-battery:AA:BB:…`. */
  alertKey: string
  /** Findings so far (1 when opened from one finding). */
  count: number
  openedAt: Date
  /** False only when the same evaluation also cleared it (see the `clear` that follows). */
  isConditionActive: boolean
}

/** The state of an open (not yet resolved) alert, as the caller stored it. */
export interface OpenAlertState {
  alertKey: string
  ruleId: string
  severity: Severity
  count: number
  isConditionActive: boolean
  /** `triggeredAt` of the last finding counted. */
  lastTriggeredAt: Date
}

export type AlertAction =
  | { kind: 'open'; alert: AlertDraft }
  | {
      kind: 'update'
      alertKey: string
      /** The alert's severity after the update: never lower than before. */
      severity: Severity
      /** Severity rose with this update (yellow → red): worth a new notification. */
      isEscalated: boolean
      count: number
      lastTriggeredAt: Date
      /** The latest finding (its own severity may be lower than the alert's). */
      finding: AlertFinding
    }
  | {
      kind: 'clear'
      alertKey: string
      ruleId: string
      /** When the condition was seen to be over (the reading's time, or now). */
      clearedAt: Date
      /** The readings that showed it (empty for time or device rules). */
      readings: ReadingRef[]
    }
