import { breachedSide, type SeverityBands } from './band.js'

/** How many readings fell in each band: normal, yellow and red, on the low and the high side. */
export interface BandCounts {
  normal: number
  yellowLow: number
  yellowHigh: number
  redLow: number
  redHigh: number
}

/**
 * Per-band counts of a trend (issue 21, docs/decisions/0046-band-counts-from-
 * value-bins.md): the readings, as (value, how many), classified as the rule
 * worker classifies one reading (red before yellow), under whatever bands are
 * in force when the reader asks, so a threshold changed today recounts a year.
 */
export function countBands(bins: readonly { value: number; n: number }[], bands: Pick<SeverityBands, 'red' | 'yellow'>): BandCounts {
  const counts: BandCounts = { normal: 0, yellowLow: 0, yellowHigh: 0, redLow: 0, redHigh: 0 }
  for (const { value, n } of bins) {
    const red = breachedSide(bands.red, value)
    const yellow = red ? null : breachedSide(bands.yellow, value)
    if (red) counts[red === 'low' ? 'redLow' : 'redHigh'] += n
    else if (yellow) counts[yellow === 'low' ? 'yellowLow' : 'yellowHigh'] += n
    else counts.normal += n
  }
  return counts
}
