import type { AlertAction, AlertDraft, AlertFinding, OpenAlertState, ReadingRef } from './alert.js'
import { isMoreSevere, maxSeverity } from './severity.js'

/** What one rule concluded about one key at one moment. */
export type Verdict =
  /** The condition is present. */
  | { kind: 'finding'; alertKey: string; finding: AlertFinding }
  /** The condition is over (past the hysteresis). */
  | { kind: 'over'; alertKey: string; ruleId: string; at: Date; readings: ReadingRef[] }

interface Entry {
  initial: OpenAlertState | null
  state: OpenAlertState
  /** The latest finding counted in this evaluation. */
  latest: AlertFinding | null
  /** The latest finding of the highest severity in this evaluation (what an opened alert shows). */
  worst: AlertFinding | null
  cleared: { at: Date; readings: ReadingRef[] } | null
}

/**
 * The open alerts of one patient during one evaluation: verdicts go in, in
 * time order, and come out as the fewest actions that bring the caller's
 * stored alerts to the same state.
 *
 * Idempotent and order-safe: a finding no newer than the last one counted is
 * not counted again (a re-delivered batch, a re-run of the schedule check),
 * except to raise the severity; a condition is over only when seen after the
 * last finding, so an old reading arriving late never clears a newer alert.
 */
export class AlertLedger {
  private readonly entries = new Map<string, Entry>()
  private readonly open: ReadonlyMap<string, OpenAlertState>

  constructor(
    openAlerts: readonly OpenAlertState[],
    private readonly now: Date,
  ) {
    this.open = new Map(openAlerts.map((a) => [a.alertKey, a]))
  }

  /** The alert's state as this evaluation has it so far (null: no open alert). */
  current(alertKey: string): OpenAlertState | null {
    return this.entries.get(alertKey)?.state ?? this.open.get(alertKey) ?? null
  }

  /** True when a finding counted on its alert (opened it, added to it or raised it); false for one dropped and for an `over`. */
  apply(verdict: Verdict): boolean {
    if (verdict.kind === 'finding') return this.applyFinding(verdict.alertKey, verdict.finding)
    this.applyOver(verdict)
    return false
  }

  private entry(alertKey: string): Entry | null {
    const existing = this.entries.get(alertKey)
    if (existing) return existing
    const initial = this.open.get(alertKey)
    if (!initial) return null
    const created: Entry = {
      initial,
      state: { ...initial },
      latest: null,
      worst: null,
      cleared: null,
    }
    this.entries.set(alertKey, created)
    return created
  }

  private applyFinding(alertKey: string, finding: AlertFinding): boolean {
    const at = finding.triggeredAt.getTime()
    const entry = this.entry(alertKey)
    if (!entry) {
      this.entries.set(alertKey, {
        initial: null,
        state: {
          alertKey,
          ruleId: finding.ruleId,
          severity: finding.severity,
          count: 1,
          isConditionActive: true,
          lastTriggeredAt: finding.triggeredAt,
        },
        latest: finding,
        worst: finding,
        cleared: null,
      })
      return true
    }
    const { state } = entry
    const last = state.lastTriggeredAt.getTime()
    if (at < last) return false
    if (at === last) {
      if (!isMoreSevere(finding.severity, state.severity)) return false
    } else {
      state.count += 1
      state.lastTriggeredAt = finding.triggeredAt
    }
    state.severity = maxSeverity(state.severity, finding.severity)
    state.isConditionActive = true
    entry.latest = finding
    if (!entry.worst || finding.severity === state.severity) entry.worst = finding
    entry.cleared = null
    return true
  }

  private applyOver(verdict: Extract<Verdict, { kind: 'over' }>): void {
    const entry = this.entry(verdict.alertKey)
    if (!entry || !entry.state.isConditionActive) return
    if (verdict.at.getTime() <= entry.state.lastTriggeredAt.getTime()) return
    entry.state.isConditionActive = false
    entry.cleared = { at: verdict.at, readings: verdict.readings }
  }

  /** The actions, in the order their keys were first touched: open or update, then clear. */
  actions(): AlertAction[] {
    const actions: AlertAction[] = []
    for (const [alertKey, { initial, state, latest, worst, cleared }] of this.entries) {
      if (initial === null) {
        const shown = worst ?? latest
        if (!shown) continue
        const alert: AlertDraft = {
          ...shown,
          severity: state.severity,
          alertKey,
          count: state.count,
          openedAt: this.now,
          isConditionActive: state.isConditionActive,
        }
        actions.push({ kind: 'open', alert })
      } else if (latest) {
        actions.push({
          kind: 'update',
          alertKey,
          severity: state.severity,
          isEscalated: state.severity !== initial.severity,
          count: state.count,
          lastTriggeredAt: state.lastTriggeredAt,
          finding: latest,
        })
      }
      if (cleared && !state.isConditionActive) {
        actions.push({
          kind: 'clear',
          alertKey,
          ruleId: state.ruleId,
          clearedAt: cleared.at,
          readings: cleared.readings,
        })
      }
    }
    return actions
  }
}
