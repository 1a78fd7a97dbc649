import { describe, expect, it } from 'vitest'
import { countBands } from './band-counts.js'

describe('countBands', () => {
  const bands = {
    red: { low: { value: 91, isInclusive: true } },
    yellow: { low: { value: 94, isInclusive: false }, high: { value: 100, isInclusive: false } },
  }
  it('counts each value once, red before yellow, and keeps the limits inclusive or not as written', () => {
    expect(countBands([{ value: 90, n: 2 }, { value: 91, n: 1 }, { value: 92, n: 3 }, { value: 94, n: 4 }, { value: 99, n: 5 }], bands))
      .toEqual({ normal: 9, yellowLow: 3, yellowHigh: 0, redLow: 3, redHigh: 0 })
  })
  it('counts everything normal when the vital has no bands', () => {
    expect(countBands([{ value: 50, n: 7 }], { red: {}, yellow: {} })).toEqual({ normal: 7, yellowLow: 0, yellowHigh: 0, redLow: 0, redHigh: 0 })
  })
})
