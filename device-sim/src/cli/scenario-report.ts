import { describeDifference, type BatchOutcome } from '../scenario/expectation-diff.js'
import type { ScenarioResult } from '../scenario/run-scenario.js'
import { formatDuration } from '../time/duration.js'

/** A scenario run for people: what was sent per step, what came back, and whether it matched. */
export function formatScenarioResult(result: ScenarioResult): string {
  const lines: string[] = []
  lines.push(`${result.ok ? 'PASS' : 'FAIL'}  ${result.name}${result.source ? `  (${result.source})` : ''}`)
  lines.push(`      gateway ${result.gatewayId}, run ${result.runId}, start ${result.start.toISOString()}, took ${formatDuration(result.finishedAt.getTime() - result.startedAt.getTime())}`)
  const rows: string[][] = [['step', 'batches', 'sent', 'accepted', 'duplicate', 'rejected']]
  const steps = [...new Set(result.outcomes.map((o) => o.step))]
  for (const step of steps) rows.push(stepRow(step, result.outcomes.filter((o) => o.step === step)))
  if (steps.length > 1) rows.push(stepRow('total', result.outcomes))
  if (rows.length > 1) lines.push(...table(rows).map((l) => `      ${l}`))
  for (const note of result.notes) lines.push(`      note: ${note}`)
  for (const error of result.errors) lines.push(`      error: ${error}`)
  if (result.isChecked) {
    if (result.differences.length === 0) lines.push('      matches every expectation')
    else {
      lines.push(`      ${result.differences.length} difference${result.differences.length === 1 ? '' : 's'} from the expectations:`)
      for (const d of result.differences) lines.push(`        - ${describeDifference(d)}`)
    }
  } else {
    lines.push(result.hasExpectations ? '      expectations not checked (add --expect)' : '      the scenario has no expectations to check')
  }
  return lines.join('\n')
}

function stepRow(label: string, outcomes: readonly BatchOutcome[]): string[] {
  let sent = 0
  let accepted = 0
  let duplicate = 0
  const rejected = new Map<string, number>()
  let missing = 0
  for (const o of outcomes) {
    sent += o.measurementIds.length
    const r = o.receipt
    if (r === null) missing += 1
    else if (r.batchId === null) rejected.set(r.error.code, (rejected.get(r.error.code) ?? 0) + 1)
    else {
      accepted += r.accepted.length
      duplicate += r.duplicate.length
      for (const x of r.rejected) rejected.set(x.code, (rejected.get(x.code) ?? 0) + 1)
    }
  }
  const rejectedText = [...rejected.entries()].map(([code, n]) => `${code} ${n}`).join(', ')
  return [
    label,
    String(outcomes.length),
    String(sent),
    String(accepted),
    String(duplicate),
    (rejectedText || '0') + (missing > 0 ? `; ${missing} without receipt` : ''),
  ]
}

function table(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length))) ?? []
  return rows.map((r) => r.map((cell, c) => (c === 0 || c === r.length - 1 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join('  ').trimEnd())
}
