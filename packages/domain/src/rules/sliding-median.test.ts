import { describe, expect, it } from 'vitest'
import { median } from './baseline-deviation.js'
import { SlidingMedian } from './sliding-median.js'

/** A small deterministic generator, so a failure repeats. */
function numbers(seed: number, count: number, distinct: number): number[] {
  let x = seed
  return Array.from({ length: count }, () => {
    x = (x * 1103515245 + 12345) % 2147483648
    return 85 + (x % distinct) / 2
  })
}

describe('SlidingMedian', () => {
  it('is the median of the window at every step as it slides, with ties and uneven window sizes', () => {
    for (const [seed, distinct, width] of [[1, 7, 5], [2, 40, 12], [3, 3, 1], [4, 1000, 30]] as const) {
      const values = numbers(seed, 400, distinct)
      const sliding = new SlidingMedian()
      let start = 0
      for (let end = 0; end < values.length; end++) {
        sliding.add(end, values[end] as number)
        // the window's width varies: it sometimes stays, sometimes shrinks by two
        const keep = width + (end % 4 === 0 ? 2 : 0) - (end % 7 === 0 ? 2 : 0)
        while (end + 1 - start > Math.max(1, keep)) sliding.remove(start++)
        expect(sliding.median()).toBe(median(values.slice(start, end + 1)))
        expect(sliding.size).toBe(end + 1 - start)
      }
    }
  })

  it('has no median when empty, and forgets an id it does not hold', () => {
    const sliding = new SlidingMedian()
    expect(sliding.median()).toBeNull()
    sliding.add(0, 90)
    sliding.remove(7)
    expect(sliding.median()).toBe(90)
    sliding.remove(0)
    expect(sliding.median()).toBeNull()
  })
})
