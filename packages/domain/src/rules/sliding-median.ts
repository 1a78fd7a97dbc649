/**
 * The median of a window that slides forward (a patient's baseline over the
 * last 14 days, judged again at every reading of a replay): members come in
 * and go out one by one, and each step costs O(log n) instead of sorting the
 * window again (ADR 0036). Two heaps: the lower half (a max-heap) and the
 * upper half (a min-heap), the lower one as large as the upper or one more.
 * A member that goes out is only forgotten; it leaves its heap when it reaches
 * the top (lazy deletion), so a removal needs no search.
 *
 * Hand-written, not a library: the well-kept heaps (e.g. @datastructures-js)
 * remove by search, O(n), which is the cost this avoids; recorded in ADR 0036.
 * Ids are the caller's (the reading's index in its series) and never come back
 * once removed.
 */
export class SlidingMedian {
  /** Live members: value, and whether it sits in the lower half. */
  private readonly members = new Map<number, { value: number; isLow: boolean }>()
  private readonly low = new IdHeap((a, b) => a > b)
  private readonly high = new IdHeap((a, b) => a < b)
  private lowSize = 0
  private highSize = 0

  get size(): number {
    return this.lowSize + this.highSize
  }

  add(id: number, value: number): void {
    this.prune()
    const isLow = this.lowSize === 0 || value <= this.low.topValue()
    this.members.set(id, { value, isLow })
    if (isLow) {
      this.low.push(id, value)
      this.lowSize += 1
    } else {
      this.high.push(id, value)
      this.highSize += 1
    }
    this.balance()
  }

  remove(id: number): void {
    const member = this.members.get(id)
    if (!member) return
    this.members.delete(id)
    if (member.isLow) this.lowSize -= 1
    else this.highSize -= 1
    this.balance()
  }

  /** The median as `median()` of baseline-deviation.ts computes it (the mean of the middle two of an even count); null when empty. */
  median(): number | null {
    this.prune()
    if (this.size === 0) return null
    if (this.lowSize > this.highSize) return this.low.topValue()
    return (this.low.topValue() + this.high.topValue()) / 2
  }

  private prune(): void {
    while (this.low.length > 0 && !this.members.has(this.low.topId())) this.low.pop()
    while (this.high.length > 0 && !this.members.has(this.high.topId())) this.high.pop()
  }

  private balance(): void {
    this.prune()
    while (this.lowSize > this.highSize + 1) {
      this.move(this.low, this.high, false)
      this.lowSize -= 1
      this.highSize += 1
    }
    while (this.highSize > this.lowSize) {
      this.move(this.high, this.low, true)
      this.highSize -= 1
      this.lowSize += 1
    }
  }

  private move(from: IdHeap, to: IdHeap, isLow: boolean): void {
    const value = from.topValue()
    const id = from.pop()
    to.push(id, value)
    const member = this.members.get(id)
    if (member) member.isLow = isLow
    this.prune()
  }
}

/** A binary heap of ids by value; `before(a, b)`: value a belongs above value b. */
class IdHeap {
  private readonly ids: number[] = []
  private readonly values: number[] = []

  constructor(private readonly before: (a: number, b: number) => boolean) {}

  get length(): number {
    return this.ids.length
  }

  topId(): number {
    return this.ids[0] as number
  }

  topValue(): number {
    return this.values[0] as number
  }

  push(id: number, value: number): void {
    this.ids.push(id)
    this.values.push(value)
    let i = this.ids.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!this.before(this.values[i] as number, this.values[parent] as number)) break
      this.swap(i, parent)
      i = parent
    }
  }

  pop(): number {
    const top = this.ids[0] as number
    const lastId = this.ids.pop() as number
    const lastValue = this.values.pop() as number
    if (this.ids.length > 0) {
      this.ids[0] = lastId
      this.values[0] = lastValue
      let i = 0
      for (;;) {
        const left = 2 * i + 1
        const right = left + 1
        let best = i
        if (left < this.ids.length && this.before(this.values[left] as number, this.values[best] as number)) best = left
        if (right < this.ids.length && this.before(this.values[right] as number, this.values[best] as number)) best = right
        if (best === i) break
        this.swap(i, best)
        i = best
      }
    }
    return top
  }

  private swap(i: number, j: number): void {
    const id = this.ids[i] as number
    const value = this.values[i] as number
    this.ids[i] = this.ids[j] as number
    this.values[i] = this.values[j] as number
    this.ids[j] = id
    this.values[j] = value
  }
}
