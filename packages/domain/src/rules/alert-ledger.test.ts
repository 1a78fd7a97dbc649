import { describe, expect, it } from 'vitest'
import type { AlertFinding, OpenAlertState } from './alert.js'
import { AlertLedger } from './alert-ledger.js'
import type { Severity } from './severity.js'

const now = new Date('2026-01-01T12:00:00Z')
const t = (minute: number) => new Date(Date.UTC(2026, 0, 1, 10, minute))

function finding(severity: Severity, at: Date): AlertFinding {
  return {
    ruleId: 'threshold:spo2',
    ruleVersion: 'default:2026.1',
    ruleKind: 'threshold',
    severity,
    thresholds: { vitals: [] },
    measures: {},
    readings: [],
    summary: { nb: `${severity} ${at.toISOString()}`, en: '' },
    news2Score: null,
    source: '',
    triggeredAt: at,
  }
}
const found = (severity: Severity, at: Date) => ({
  kind: 'finding' as const,
  alertKey: 'threshold:spo2',
  finding: finding(severity, at),
})
const over = (at: Date) => ({
  kind: 'over' as const,
  alertKey: 'threshold:spo2',
  ruleId: 'threshold:spo2',
  at,
  readings: [],
})
const open = (o: Partial<OpenAlertState> = {}): OpenAlertState => ({
  alertKey: 'threshold:spo2',
  ruleId: 'threshold:spo2',
  severity: 'yellow',
  count: 2,
  isConditionActive: true,
  lastTriggeredAt: t(0),
  ...o,
})

describe('AlertLedger', () => {
  it('opens once for several findings in one evaluation, showing the worst', () => {
    const ledger = new AlertLedger([], now)
    ledger.apply(found('yellow', t(1)))
    ledger.apply(found('red', t(2)))
    ledger.apply(found('yellow', t(3)))
    const actions = ledger.actions()
    expect(actions).toHaveLength(1)
    expect(actions[0]).toMatchObject({
      kind: 'open',
      alert: {
        severity: 'red',
        count: 3,
        openedAt: now,
        isConditionActive: true,
        triggeredAt: t(2),
      },
    })
  })

  it('updates an open alert, never lowering its severity', () => {
    const ledger = new AlertLedger([open({ severity: 'red' })], now)
    ledger.apply(found('yellow', t(5)))
    expect(ledger.actions()).toEqual([
      {
        kind: 'update',
        alertKey: 'threshold:spo2',
        severity: 'red',
        isEscalated: false,
        count: 3,
        lastTriggeredAt: t(5),
        finding: finding('yellow', t(5)),
      },
    ])
  })

  it('does not count a finding twice (re-delivered batch) nor one older than the last', () => {
    const ledger = new AlertLedger([open()], now)
    ledger.apply(found('yellow', t(0)))
    ledger.apply(found('yellow', new Date(t(0).getTime() - 60_000)))
    expect(ledger.actions()).toEqual([])
  })

  it('escalates without counting when the same instant is found worse (an offline spell passing the red limit)', () => {
    const ledger = new AlertLedger([open()], now)
    ledger.apply(found('red', t(0)))
    expect(ledger.actions()).toMatchObject([
      { kind: 'update', severity: 'red', isEscalated: true, count: 2 },
    ])
  })

  it('clears only for a moment after the last finding', () => {
    const stale = new AlertLedger([open({ lastTriggeredAt: t(10) })], now)
    stale.apply(over(t(9)))
    expect(stale.actions()).toEqual([])

    const fresh = new AlertLedger([open({ lastTriggeredAt: t(10) })], now)
    fresh.apply(over(t(11)))
    fresh.apply(over(t(12)))
    expect(fresh.actions()).toEqual([
      {
        kind: 'clear',
        alertKey: 'threshold:spo2',
        ruleId: 'threshold:spo2',
        clearedAt: t(11),
        readings: [],
      },
    ])
  })

  it('says nothing about a condition that is over when no alert is open, or already cleared', () => {
    const none = new AlertLedger([], now)
    none.apply(over(t(1)))
    expect(none.actions()).toEqual([])
    const cleared = new AlertLedger([open({ isConditionActive: false })], now)
    cleared.apply(over(t(1)))
    expect(cleared.actions()).toEqual([])
  })

  it('reactivates a cleared alert with the next finding, and reports open-then-clear within one evaluation', () => {
    const reactivated = new AlertLedger([open({ isConditionActive: false })], now)
    reactivated.apply(found('yellow', t(1)))
    expect(reactivated.actions()).toMatchObject([{ kind: 'update', count: 3 }])

    const both = new AlertLedger([], now)
    both.apply(found('yellow', t(1)))
    both.apply(over(t(2)))
    expect(both.actions()).toMatchObject([
      { kind: 'open', alert: { isConditionActive: false, count: 1 } },
      { kind: 'clear', clearedAt: t(2) },
    ])
  })

  it('updates and then clears when a finding is followed by recovery', () => {
    const ledger = new AlertLedger([open()], now)
    ledger.apply(found('yellow', t(1)))
    ledger.apply(over(t(2)))
    expect(ledger.actions().map((a) => a.kind)).toEqual(['update', 'clear'])
  })
})
