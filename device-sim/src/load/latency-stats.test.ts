import { describe, expect, it } from 'vitest'
import { summarizeLatencies } from './latency-stats.js'

describe('summarizeLatencies', () => {
  it('takes nearest-rank percentiles', () => {
    const samples = Array.from({ length: 100 }, (_, i) => i + 1)
    expect(summarizeLatencies(samples)).toEqual({ count: 100, p50: 50, p90: 90, p99: 99, max: 100, mean: 50.5 })
  })

  it('handles one sample and none', () => {
    expect(summarizeLatencies([12.345])).toEqual({ count: 1, p50: 12.3, p90: 12.3, p99: 12.3, max: 12.3, mean: 12.3 })
    expect(summarizeLatencies([])).toBeNull()
  })
})
