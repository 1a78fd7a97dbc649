import type { ProtocolErrorCode } from '@varde/domain'
import type { BatchReceipt } from '../gateway/sim-gateway.js'
import type { AlertExpectation, ObservationExpectation, Range, ReceiptCounts } from './scenario-types.js'

/** One way the platform's answer differs from the scenario's expectation. */
export interface Difference {
  /** Where in `expect:`, e.g. `receipts.steps.bad-values.rejected.out-of-range`. */
  path: string
  expected: string
  actual: string
}

export function describeDifference(d: Difference): string {
  return `${d.path}: expected ${d.expected}, got ${d.actual}`
}

/** What happened to one batch (or raw payload) of a run. */
export interface BatchOutcome {
  /** The step's name, or `step N (kind)` for an unnamed one. */
  step: string
  batchId: string | null
  /** Measurement ids sent (empty for raw payloads). */
  measurementIds: string[]
  receipt: BatchReceipt | null
  /** Why there is no receipt. */
  error: string | null
  /** First send to receipt. */
  latencyMs: number | null
  /**
   * Times the gateway published the batch before its receipt came (1: the
   * receipt answered the first send). More means a receipt was late or lost
   * and the gateway re-sent the batch, as device-protocol.md asks.
   */
  attempts?: number
  /** No earlier step of the run sent this batchId (false for a `resend:` step's batches). */
  isFirstSend?: boolean
}

/**
 * True when the receipt answers a re-send of a batch whose first receipt never
 * came: its `duplicate` ids were stored by an earlier attempt of this run, so
 * for the run they count as accepted (the protocol's idempotency at work).
 */
export function isStoredByEarlierAttempt(o: BatchOutcome): boolean {
  return o.isFirstSend === true && (o.attempts ?? 1) > 1
}

export interface ReceiptTotals {
  batches: number
  sent: number
  accepted: number
  duplicate: number
  rejected: number
  rejectedByCode: Partial<Record<ProtocolErrorCode, number>>
  malformed: number
  malformedCodes: ProtocolErrorCode[]
  unreceipted: number
  /** Batches the gateway had to re-send because no receipt came in time (counted as the receipt finally said). */
  resent: number
}

export function totalReceipts(outcomes: readonly BatchOutcome[]): ReceiptTotals {
  const totals: ReceiptTotals = {
    batches: outcomes.length, sent: 0, accepted: 0, duplicate: 0, rejected: 0, rejectedByCode: {}, malformed: 0, malformedCodes: [], unreceipted: 0, resent: 0,
  }
  for (const o of outcomes) {
    totals.sent += o.measurementIds.length
    if ((o.attempts ?? 1) > 1) totals.resent += 1
    const r = o.receipt
    if (r === null) {
      totals.unreceipted += 1
    } else if (r.batchId === null) {
      totals.malformed += 1
      totals.malformedCodes.push(r.error.code)
    } else {
      const isEarlier = isStoredByEarlierAttempt(o)
      totals.accepted += r.accepted.length + (isEarlier ? r.duplicate.length : 0)
      totals.duplicate += isEarlier ? 0 : r.duplicate.length
      totals.rejected += r.rejected.length
      for (const { code } of r.rejected) totals.rejectedByCode[code] = (totals.rejectedByCode[code] ?? 0) + 1
    }
  }
  return totals
}

/** Receipts against `expect.receipts`: the total over the run, and per named step. */
export function diffReceipts(
  expected: { total: ReceiptCounts | null; steps: Record<string, ReceiptCounts> },
  outcomes: readonly BatchOutcome[],
): Difference[] {
  const differences: Difference[] = []
  if (expected.total) differences.push(...diffCounts('receipts.total', expected.total, outcomes))
  for (const [step, counts] of Object.entries(expected.steps)) {
    differences.push(...diffCounts(`receipts.steps.${step}`, counts, outcomes.filter((o) => o.step === step)))
  }
  return differences
}

function diffCounts(path: string, expected: ReceiptCounts, outcomes: readonly BatchOutcome[]): Difference[] {
  const t = totalReceipts(outcomes)
  const differences: Difference[] = []
  const check = (key: string, want: number, got: number): void => {
    if (want !== got) differences.push({ path: `${path}.${key}`, expected: String(want), actual: String(got) })
  }
  if (t.unreceipted > 0) {
    const missing = outcomes.filter((o) => o.receipt === null).slice(0, 3).map((o) => `${o.batchId ?? 'raw payload'} (${o.error ?? 'no receipt'})`)
    differences.push({ path, expected: 'a receipt for every batch', actual: `${t.unreceipted} without: ${missing.join(', ')}${t.unreceipted > 3 ? ', …' : ''}` })
  }
  if (expected.batches !== null) check('batches', expected.batches, t.batches)
  if (expected.accepted !== null) check('accepted', expected.accepted === 'all' ? t.sent : expected.accepted, t.accepted)
  if (expected.duplicate !== null) check('duplicate', expected.duplicate === 'all' ? t.sent : expected.duplicate, t.duplicate)
  if (typeof expected.rejected === 'number') {
    check('rejected', expected.rejected, t.rejected)
  } else if (expected.rejected !== null) {
    const codes = new Set([...Object.keys(expected.rejected), ...Object.keys(t.rejectedByCode)] as ProtocolErrorCode[])
    for (const code of [...codes].sort()) check(`rejected.${code}`, expected.rejected[code] ?? 0, t.rejectedByCode[code] ?? 0)
  }
  if (expected.malformed !== null) check('malformed', expected.malformed, t.malformed)
  if (expected.error !== null) {
    const wrong = t.malformedCodes.filter((c) => c !== expected.error)
    if (t.malformed === 0 || wrong.length > 0) {
      differences.push({
        path: `${path}.error`,
        expected: `every payload answered with ${expected.error}`,
        actual: t.malformed === 0 ? 'no malformed-batch receipt' : wrong.join(', '),
      })
    }
  }
  return differences
}

/** One stored reading as read back from the platform. */
export interface ObservedValue {
  value: number
  at: Date
}

export function diffObservations(path: string, expected: ObservationExpectation, observed: readonly ObservedValue[]): Difference[] {
  const differences: Difference[] = []
  if (expected.count !== null) {
    const ok = typeof expected.count === 'number' ? observed.length === expected.count : isWithin(observed.length, expected.count)
    if (!ok) {
      differences.push({
        path: `${path}.count`,
        expected: typeof expected.count === 'number' ? String(expected.count) : describeRange(expected.count),
        actual: String(observed.length),
      })
    }
  }
  if (expected.values !== null) {
    const outside = observed.filter((o) => !isWithin(o.value, expected.values as Range))
    if (outside.length > 0) {
      differences.push({
        path: `${path}.values`,
        expected: `every value ${describeRange(expected.values)}`,
        actual: `${outside.length} outside, e.g. ${outside.slice(0, 3).map((o) => `${o.value} at ${o.at.toISOString()}`).join(', ')}`,
      })
    }
  }
  const byTime = [...observed].sort((a, b) => a.at.getTime() - b.at.getTime())
  const earliest = byTime[0]
  const latest = byTime[byTime.length - 1]
  if (expected.latest !== null) {
    if (!latest || !isWithin(latest.value, expected.latest)) {
      differences.push({
        path: `${path}.latest`,
        expected: describeRange(expected.latest),
        actual: latest ? `${latest.value} at ${latest.at.toISOString()}` : 'no observation',
      })
    }
  }
  if (expected.rise !== null) {
    const rise = earliest && latest && byTime.length > 1 ? Math.round((latest.value - earliest.value) * 1000) / 1000 : null
    if (rise === null || !isWithin(rise, expected.rise)) {
      differences.push({
        path: `${path}.rise`,
        expected: `a rise ${describeRange(expected.rise)}`,
        actual: rise === null ? `${byTime.length} observation(s), need two` : `${rise} (${earliest?.value} → ${latest?.value})`,
      })
    }
  }
  return differences
}

/** An open alert as `GET /api/alerts?status=open` lists it (platform-contract.md "HTTP"). */
export interface OpenAlert {
  id: string
  patientId: string
  severity: string
  status: string
  rule: string
  openedAt: string
  summary: string
}

/** The `expected` of the difference that lists alerts opened during the run that the scenario does not expect. */
export const NO_OTHER_ALERT = 'no other alert opened by the run'

/**
 * Alerts against `expect.alerts`: each expected alert must match a distinct
 * open alert of the patient; an open alert that matches none and was opened
 * since `runStartedAt` is unexpected (older ones are left alone: earlier runs
 * and the demo feed may have opened them).
 */
export function diffAlerts(expected: readonly AlertExpectation[], open: readonly OpenAlert[], runStartedAt: Date): Difference[] {
  const differences: Difference[] = []
  const unmatched = [...open]
  expected.forEach((e, i) => {
    const index = unmatched.findIndex((a) => matchesAlert(e, a))
    if (index >= 0) {
      unmatched.splice(index, 1)
      return
    }
    differences.push({
      path: `alerts[${i}]`,
      expected: `an open alert ${describeAlertExpectation(e)}`,
      actual: open.length === 0 ? 'no open alerts' : `open: ${open.map(describeAlert).join('; ')}`,
    })
  })
  const unexpected = unmatched.filter((a) => Date.parse(a.openedAt) >= runStartedAt.getTime())
  if (unexpected.length > 0) {
    differences.push({ path: 'alerts', expected: NO_OTHER_ALERT, actual: unexpected.map(describeAlert).join('; ') })
  }
  return differences
}

export function matchesAlert(e: AlertExpectation, a: OpenAlert): boolean {
  return (
    (e.rule === null || e.rule === a.rule) &&
    (e.severity === null || e.severity === a.severity) &&
    (e.summary === null || a.summary.toLowerCase().includes(e.summary.toLowerCase()))
  )
}

/** Commands the gateway had to receive against those it did. */
export function diffCommands(expected: readonly string[], received: readonly unknown[]): Difference[] {
  const names = received.map((c) => (typeof c === 'object' && c !== null && 'command' in c ? String(c.command) : '?'))
  return expected
    .filter((name) => !names.includes(name))
    .map((name) => ({ path: 'commands', expected: `a ${name} command`, actual: names.length === 0 ? 'no command' : names.join(', ') }))
}

export function isWithin(value: number, range: Range): boolean {
  return (range.min === null || value >= range.min) && (range.max === null || value <= range.max)
}

function describeRange(range: Range): string {
  if (range.min !== null && range.max !== null) return `between ${range.min} and ${range.max}`
  return range.min !== null ? `≥ ${range.min}` : `≤ ${range.max}`
}

function describeAlertExpectation(e: AlertExpectation): string {
  const parts = [e.rule === null ? null : `rule ${e.rule}`, e.severity, e.summary === null ? null : `summary containing "${e.summary}"`]
  const text = parts.filter((p) => p !== null).join(', ')
  return text === '' ? '(any)' : text
}

function describeAlert(a: OpenAlert): string {
  return `${a.rule} ${a.severity} (${a.summary})`
}
