import { describeDifference, totalReceipts, type BatchOutcome } from '../scenario/expectation-diff.js'
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
  const t = totalReceipts(outcomes)
  const rejected = [
    ...Object.entries(t.rejectedByCode).map(([code, n]) => `${code} ${n}`),
    ...[...new Set(t.malformedCodes)].map((code) => `${code} ${t.malformedCodes.filter((c) => c === code).length}`),
  ].join(', ')
  const extra = [t.unreceipted > 0 ? `${t.unreceipted} without receipt` : '', t.resent > 0 ? `${t.resent} re-sent` : ''].filter((x) => x !== '')
  return [label, String(t.batches), String(t.sent), String(t.accepted), String(t.duplicate), (rejected || '0') + (extra.length > 0 ? `; ${extra.join(', ')}` : '')]
}

function table(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length))) ?? []
  return rows.map((r) => r.map((cell, c) => (c === 0 || c === r.length - 1 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join('  ').trimEnd())
}
