import type { PatientRules } from '@varde/api-contract'
import type { ThresholdParams, VitalBands } from '@varde/domain'

/** One shaded stripe behind a chart: values from `y1` to `y2` are in this severity's band. */
export interface BandArea {
  severity: 'red' | 'yellow'
  /** Lower edge; absent: the chart's bottom. */
  y1?: number
  /** Upper edge; absent: the chart's top. */
  y2?: number
}

/** The bands of each vital as the patient's enabled threshold rules have them now (the first rule naming a vital). */
export function bandsByVital(rules: PatientRules | undefined): Map<string, VitalBands> {
  const result = new Map<string, VitalBands>()
  for (const rule of rules?.rules ?? []) {
    if (rule.kind !== 'threshold' || !rule.isEnabled) continue
    for (const bands of (rule.params as unknown as ThresholdParams).vitals) {
      if (!result.has(bands.vital)) result.set(bands.vital, bands)
    }
  }
  return result
}

/**
 * The stripes to draw: red beyond the red limit, yellow between it and the
 * yellow limit, on each side that has limits. An inclusive or exclusive limit
 * draws the same at a chart's resolution.
 */
export function bandAreas(bands: VitalBands | undefined): BandArea[] {
  if (!bands) return []
  const areas: BandArea[] = []
  const redLow = bands.red.low?.value
  const yellowLow = bands.yellow.low?.value
  const redHigh = bands.red.high?.value
  const yellowHigh = bands.yellow.high?.value
  if (redLow !== undefined) areas.push({ severity: 'red', y2: redLow })
  if (yellowLow !== undefined && (redLow === undefined || yellowLow > redLow))
    areas.push({ severity: 'yellow', ...(redLow !== undefined ? { y1: redLow } : {}), y2: yellowLow })
  if (yellowHigh !== undefined && (redHigh === undefined || yellowHigh < redHigh))
    areas.push({ severity: 'yellow', y1: yellowHigh, ...(redHigh !== undefined ? { y2: redHigh } : {}) })
  if (redHigh !== undefined) areas.push({ severity: 'red', y1: redHigh })
  return areas
}

/** The limits nearest normal (yellow, else red): a chart's y range takes them in, so the bands show where readings stand. */
export function innerLimits(bands: VitalBands | undefined): number[] {
  if (!bands) return []
  const low = bands.yellow.low?.value ?? bands.red.low?.value
  const high = bands.yellow.high?.value ?? bands.red.high?.value
  return [low, high].filter((v): v is number => v !== undefined)
}
