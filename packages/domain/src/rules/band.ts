import { z } from 'zod'
import type { Severity } from './severity.js'

/**
 * A limit as guidelines write it: "≤ 91" is `{ value: 91, isInclusive: true }`,
 * "< 4.0" is `{ value: 4, isInclusive: false }`. Keeping the guideline's own
 * form lets a summary quote it exactly.
 */
export const limitSchema = z.object({
  value: z.number().finite(),
  isInclusive: z.boolean(),
})
export type Limit = z.infer<typeof limitSchema>

/** A value is in the band when it is at or beyond `low` (downwards) or `high` (upwards). */
export const bandSchema = z.object({
  low: limitSchema.optional(),
  high: limitSchema.optional(),
})
export type Band = z.infer<typeof bandSchema>

/** The red and yellow bands of one quantity, and how far back it must come to count as over. */
export interface SeverityBands {
  red: Band
  yellow: Band
  /**
   * Hysteresis, in the quantity's unit: the condition is over only once the
   * value is this far inside the normal range, so a value hovering at a limit
   * does not flap between active and over.
   */
  hysteresis: number
}

export type BandSide = 'low' | 'high'

/** `≤ 91`, `< 4` … : the comparison sign a limit is written with. */
export function limitSign(side: BandSide, limit: Limit): string {
  if (side === 'low') return limit.isInclusive ? '≤' : '<'
  return limit.isInclusive ? '≥' : '>'
}

function isBeyond(side: BandSide, limit: Limit, value: number): boolean {
  if (side === 'low') return limit.isInclusive ? value <= limit.value : value < limit.value
  return limit.isInclusive ? value >= limit.value : value > limit.value
}

/** The side of `band` that `value` is beyond, or null when it is inside the band's limits. */
export function breachedSide(band: Band, value: number): BandSide | null {
  if (band.low && isBeyond('low', band.low, value)) return 'low'
  if (band.high && isBeyond('high', band.high, value)) return 'high'
  return null
}

/** Red when in the red band, else yellow when in the yellow band, else null (green). */
export function classifyValue(
  bands: Pick<SeverityBands, 'red' | 'yellow'>,
  value: number,
): Severity | null {
  if (breachedSide(bands.red, value)) return 'red'
  if (breachedSide(bands.yellow, value)) return 'yellow'
  return null
}

/**
 * True when `value` is green even if it moved `hysteresis` towards either
 * limit: the condition is over. A value between a limit and limit ± hysteresis
 * is in the dead band: neither a new alarm nor the end of one.
 */
export function isClearOf(bands: SeverityBands, value: number): boolean {
  const h = bands.hysteresis
  return classifyValue(bands, value - h) === null && classifyValue(bands, value + h) === null
}

/** The stricter of two limits on one side: the one that alarms first. */
export function stricterLimit(
  side: BandSide,
  a: Limit | undefined,
  b: Limit | undefined,
): Limit | undefined {
  if (!a) return b
  if (!b) return a
  if (a.value !== b.value) {
    const aAlarmsFirst = side === 'low' ? a.value > b.value : a.value < b.value
    return aAlarmsFirst ? a : b
  }
  return a.isInclusive ? a : b
}

/** The stricter combination of two bands, side by side. */
export function stricterBand(a: Band, b: Band): Band {
  const low = stricterLimit('low', a.low, b.low)
  const high = stricterLimit('high', a.high, b.high)
  return { ...(low ? { low } : {}), ...(high ? { high } : {}) }
}
