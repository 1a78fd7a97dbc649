export interface LatencySummary {
  count: number
  p50: number
  p90: number
  p99: number
  max: number
  mean: number
}

/** Nearest-rank percentiles (p50, p90, p99) of latencies in ms, rounded to 0.1 ms; null when there are none. */
export function summarizeLatencies(samples: readonly number[]): LatencySummary | null {
  if (samples.length === 0) return null
  const sorted = [...samples].sort((a, b) => a - b)
  const at = (p: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number
  const round = (x: number): number => Math.round(x * 10) / 10
  return {
    count: sorted.length,
    p50: round(at(50)),
    p90: round(at(90)),
    p99: round(at(99)),
    max: round(sorted[sorted.length - 1] as number),
    mean: round(sorted.reduce((s, x) => s + x, 0) / sorted.length),
  }
}
