const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const
type DurationUnit = keyof typeof UNIT_MS

const TOKEN = /([+-]?)(\d+(?:\.\d+)?)(ms|s|m|h|d)/y

/**
 * Parses a duration such as `90s`, `5m`, `1h30m`, `-3h`, `500ms`, `2d`.
 * A token without a sign takes the sign of the one before it, so `-2h30m` is
 * minus two and a half hours. A bare number is read in `bareUnit` (seconds
 * unless told). Returns milliseconds, or null when the text is not a duration.
 */
export function parseDuration(text: string | number, bareUnit: DurationUnit = 's'): number | null {
  if (typeof text === 'number') return Number.isFinite(text) ? text * UNIT_MS[bareUnit] : null
  const trimmed = text.trim()
  if (/^[+-]?\d+(?:\.\d+)?$/.test(trimmed)) return Number(trimmed) * UNIT_MS[bareUnit]
  if (trimmed === '') return null
  let total = 0
  let sign = 1
  TOKEN.lastIndex = 0
  while (TOKEN.lastIndex < trimmed.length) {
    const m = TOKEN.exec(trimmed)
    if (!m) return null
    const [, signText, amount, unit] = m
    if (signText === '-') sign = -1
    else if (signText === '+') sign = 1
    total += sign * Number(amount) * UNIT_MS[unit as DurationUnit]
  }
  return total
}

/** `1h 5m`, `42s`, `350ms`: for people reading progress and reports. */
export function formatDuration(ms: number): string {
  const sign = ms < 0 ? '-' : ''
  let rest = Math.abs(Math.round(ms))
  if (rest < 1000) return `${sign}${rest}ms`
  if (rest < 60_000) return `${sign}${(rest / 1000).toFixed(rest < 10_000 ? 1 : 0)}s`
  const parts: string[] = []
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    const n = Math.floor(rest / size)
    rest -= n * size
    if (n > 0) parts.push(`${n}${unit}`)
  }
  return sign + parts.slice(0, 2).join(' ')
}
