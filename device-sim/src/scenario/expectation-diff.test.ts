import { describe, expect, it } from 'vitest'
import {
  describeDifference,
  diffAlerts,
  diffCommands,
  diffObservations,
  diffReceipts,
  totalReceipts,
  type BatchOutcome,
  type OpenAlert,
} from './expectation-diff.js'
import type { ObservationExpectation, ReceiptCounts } from './scenario-types.js'

const outcome = (step: string, ids: string[], receipt: BatchOutcome['receipt']): BatchOutcome => ({
  step, batchId: receipt?.batchId ?? null, measurementIds: ids, receipt, error: receipt ? null : 'no receipt within 60s', latencyMs: 1,
})
const outcomes: BatchOutcome[] = [
  outcome('good', ['a', 'b'], { batchId: 'b1', accepted: ['a', 'b'], duplicate: [], rejected: [] }),
  outcome('bad', ['c', 'd', 'e'], {
    batchId: 'b2', accepted: ['c'], duplicate: [],
    rejected: [{ id: 'd', code: 'out-of-range', detail: '' }, { id: 'e', code: 'unknown-type', detail: '' }],
  }),
  outcome('again', ['a', 'b'], { batchId: 'b1', accepted: [], duplicate: ['a', 'b'], rejected: [] }),
  outcome('junk', [], { batchId: null, error: { code: 'malformed-batch', detail: 'not JSON' } }),
]
const counts = (c: Partial<ReceiptCounts>): ReceiptCounts => ({ batches: null, accepted: null, duplicate: null, rejected: null, malformed: null, error: null, ...c })

describe('diffReceipts', () => {
  it('sums receipts over the run', () => {
    expect(totalReceipts(outcomes)).toEqual({
      batches: 4, sent: 7, accepted: 3, duplicate: 2, rejected: 2, rejectedByCode: { 'out-of-range': 1, 'unknown-type': 1 },
      malformed: 1, malformedCodes: ['malformed-batch'], unreceipted: 0, resent: 0,
    })
  })

  it('counts what a re-send found already stored as accepted when the first receipt was lost, not for a deliberate re-send', () => {
    const lost = { ...outcome('first', ['a', 'b'], { batchId: 'b9', accepted: [], duplicate: ['a', 'b'], rejected: [] }), attempts: 2, isFirstSend: true }
    const deliberate = { ...outcome('again', ['a', 'b'], { batchId: 'b9', accepted: [], duplicate: ['a', 'b'], rejected: [] }), attempts: 2, isFirstSend: false }
    expect(totalReceipts([lost])).toMatchObject({ accepted: 2, duplicate: 0, resent: 1 })
    expect(totalReceipts([deliberate])).toMatchObject({ accepted: 0, duplicate: 2, resent: 1 })
    expect(diffReceipts({ total: counts({ accepted: 'all', duplicate: 0 }), steps: {} }, [lost])).toEqual([])
  })

  it('finds nothing when the receipts are as expected', () => {
    expect(
      diffReceipts(
        {
          total: counts({ batches: 4, accepted: 3, duplicate: 2, rejected: 2, malformed: 1 }),
          steps: {
            good: counts({ accepted: 'all', rejected: 0 }),
            bad: counts({ rejected: { 'out-of-range': 1, 'unknown-type': 1 } }),
            again: counts({ accepted: 0, duplicate: 'all' }),
            junk: counts({ error: 'malformed-batch' }),
          },
        },
        outcomes,
      ),
    ).toEqual([])
  })

  it('names each count that differs, and codes expected or unexpected', () => {
    const differences = diffReceipts(
      {
        total: counts({ accepted: 'all' }),
        steps: {
          bad: counts({ rejected: { 'out-of-range': 2 } }),
          again: counts({ accepted: 'all' }),
          good: counts({ error: 'malformed-batch' }),
        },
      },
      outcomes,
    )
    expect(differences.map(describeDifference)).toEqual([
      'receipts.total.accepted: expected 7, got 3',
      'receipts.steps.bad.rejected.out-of-range: expected 2, got 1',
      'receipts.steps.bad.rejected.unknown-type: expected 0, got 1',
      'receipts.steps.again.accepted: expected 2, got 0',
      'receipts.steps.good.error: expected every payload answered with malformed-batch, got no malformed-batch receipt',
    ])
  })

  it('always reports batches that never got a receipt', () => {
    const lost = [...outcomes, outcome('good', ['x'], null)]
    expect(diffReceipts({ total: counts({}), steps: {} }, lost).map(describeDifference)).toEqual([
      'receipts.total: expected a receipt for every batch, got 1 without: raw payload (no receipt within 60s)',
    ])
  })
})

describe('diffObservations', () => {
  const e = (x: Partial<ObservationExpectation>): ObservationExpectation => ({
    type: 'body-weight', from: null, to: null, count: null, values: null, latest: null, rise: null, ...x,
  })
  const observed = [
    { value: 84, at: new Date('2026-11-20T07:30:00Z') },
    { value: 87, at: new Date('2026-11-22T07:30:00Z') },
    { value: 85, at: new Date('2026-11-21T07:30:00Z') },
  ]

  it('checks count, every value, the latest and the rise', () => {
    expect(diffObservations('o', e({ count: 3, values: { min: 80, max: 90 }, latest: { min: 86, max: null }, rise: { min: 2, max: null } }), observed)).toEqual([])
    expect(diffObservations('o', e({ count: { min: 1, max: 3 } }), observed)).toEqual([])
  })

  it('describes what is off', () => {
    expect(
      diffObservations('o', e({ count: 4, values: { min: null, max: 85 }, latest: { min: null, max: 86 }, rise: { min: 4, max: null } }), observed).map(describeDifference),
    ).toEqual([
      'o.count: expected 4, got 3',
      'o.values: expected every value ≤ 85, got 1 outside, e.g. 87 at 2026-11-22T07:30:00.000Z',
      'o.latest: expected ≤ 86, got 87 at 2026-11-22T07:30:00.000Z',
      'o.rise: expected a rise ≥ 4, got 3 (84 → 87)',
    ])
    expect(diffObservations('o', e({ latest: { min: 1, max: null }, rise: { min: 1, max: null } }), []).map(describeDifference)).toEqual([
      'o.latest: expected ≥ 1, got no observation',
      'o.rise: expected a rise ≥ 1, got 0 observation(s), need two',
    ])
  })
})

describe('diffAlerts', () => {
  const runStart = new Date('2026-11-22T12:00:00Z')
  const alert = (rule: string, severity: string, openedAt: string): OpenAlert => ({
    id: rule, patientId: 'p', severity, status: 'open', rule, openedAt, summary: `${rule} summary`,
  })
  const open = [alert('weight-gain', 'red', '2026-11-22T12:01:00Z'), alert('missed-measurement', 'yellow', '2026-11-20T08:00:00Z')]

  it('matches expected alerts and leaves alerts from before the run alone', () => {
    expect(diffAlerts([{ rule: 'weight-gain', severity: 'red', summary: null }], open, runStart)).toEqual([])
    expect(diffAlerts([{ rule: null, severity: null, summary: 'WEIGHT' }], open, runStart)).toEqual([])
  })

  it('names missing and unexpected alerts', () => {
    expect(diffAlerts([{ rule: 'spo2-low', severity: 'red', summary: null }], open, runStart).map(describeDifference)).toEqual([
      'alerts[0]: expected an open alert rule spo2-low, red, got open: weight-gain red (weight-gain summary); missed-measurement yellow (missed-measurement summary)',
      'alerts: expected no other alert opened by the run, got weight-gain red (weight-gain summary)',
    ])
    expect(diffAlerts([], [], runStart)).toEqual([])
    expect(diffAlerts([{ rule: 'x', severity: null, summary: null }], [], runStart)[0]?.actual).toBe('no open alerts')
  })
})

describe('diffCommands', () => {
  it('wants each expected command received', () => {
    expect(diffCommands(['sync-clock'], [{ command: 'sync-clock', now: 'x' }])).toEqual([])
    expect(diffCommands(['sync-clock'], []).map(describeDifference)).toEqual(['commands: expected a sync-clock command, got no command'])
  })
})
