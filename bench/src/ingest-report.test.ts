import { describe, expect, it } from 'vitest'
import { pairRuns } from './ingest-report.js'

describe('pairRuns: the ratio of the paired runs', () => {
  it.each([
    { varde: [10_000, 12_000, 7_000], naive: [1_000, 1_000, 1_000], ratios: [10, 12, 7], median: 10 },
    { varde: [9_000, 11_000], naive: [1_000, 1_000], ratios: [9, 11], median: 10 },
    { varde: [9_000, 11_000], naive: [0, 1_000], ratios: [null, 11], median: 11 }, // a naive run that took nothing has no ratio
    { varde: [], naive: [], ratios: [], median: null },
  ])('varde $varde, naive $naive: median $median', ({ varde, naive, ratios, median }) => {
    expect(pairRuns(1, varde, naive)).toEqual({ batchSize: 1, varde, naive, ratios, medianRatio: median })
  })
})
