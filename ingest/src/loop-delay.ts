import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks'

/**
 * How long callbacks waited for ingest's event loop (perf_hooks): the store's
 * receipts, the rules' rounds and the relay's publishes share one thread, so
 * a long synchronous stretch in any of them delays all the others (issue 15:
 * a rules round of 870 ms that spent 79 ms loading). `take()` answers for the
 * time since the last take and starts again.
 */
export interface LoopDelay {
  take(): LoopDelaySample
  stop(): void
}

export interface LoopDelaySample {
  /** Milliseconds, rounded. */
  p50: number
  p99: number
  max: number
}

export function watchLoopDelay(resolutionMs = 10): LoopDelay {
  const histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: resolutionMs })
  histogram.enable()
  return {
    take() {
      // the histogram is in nanoseconds, and counts the resolution's own wait too
      const ms = (ns: number) => Math.max(0, Math.round(ns / 1e6 - resolutionMs))
      const sample = histogram.count === 0 ? { p50: 0, p99: 0, max: 0 } : { p50: ms(histogram.percentile(50)), p99: ms(histogram.percentile(99)), max: ms(histogram.max) }
      histogram.reset()
      return sample
    },
    stop: () => histogram.disable(),
  }
}
