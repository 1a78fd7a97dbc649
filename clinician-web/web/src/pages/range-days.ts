/** The preset time ranges a patient's trends can show, in days (issue 21: 24 h … 1 year). */
export const RANGE_OPTIONS = [1, 7, 30, 90, 365] as const
export type RangeDays = (typeof RANGE_OPTIONS)[number]

const DAY_MS = 24 * 60 * 60 * 1000

/**
 * The range on screen: a preset (its window fixed when chosen, so every vital
 * asks for the same instants) or a custom one (typed dates or a dragged zoom).
 */
export type TrendRange =
  | { kind: 'preset'; days: RangeDays; fromMs: number; toMs: number }
  | { kind: 'custom'; fromMs: number; toMs: number }

export function presetRange(days: RangeDays, nowMs: number): TrendRange {
  return { kind: 'preset', days, fromMs: nowMs - days * DAY_MS, toMs: nowMs }
}

/** A zoom narrower than this is refused: the trend's finest resolution is the raw reading, but a drag of a few pixels is a click. */
export const MIN_ZOOM_MS = 10 * 60 * 1000

export function customRange(aMs: number, bMs: number): TrendRange | null {
  const fromMs = Math.min(aMs, bMs)
  const toMs = Math.max(aMs, bMs)
  return toMs - fromMs < MIN_ZOOM_MS ? null : { kind: 'custom', fromMs, toMs }
}

/** The range's length in days (fractional for a custom one): the chart's ticks and texts follow it. */
export const rangeSpanDays = (range: TrendRange) => (range.toMs - range.fromMs) / DAY_MS
