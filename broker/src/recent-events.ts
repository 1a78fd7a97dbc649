/**
 * Counts events per key within a sliding time window (failed logins per
 * client id or address, connections per gateway). Memory is bounded: past
 * `maxKeys`, keys with nothing in the window are dropped first, then the
 * oldest keys, so a spray of random keys cannot exhaust memory (it can only
 * make the broker forget, never block, someone).
 */
export class RecentEvents {
  private readonly events = new Map<string, number[]>()

  constructor(
    readonly windowMs: number,
    private readonly maxKeys = 100_000,
  ) {}

  count(key: string, now = Date.now()): number {
    const times = this.events.get(key)
    if (!times) return 0
    const recent = times.filter((t) => now - t < this.windowMs)
    if (recent.length === 0) this.events.delete(key)
    else if (recent.length !== times.length) this.events.set(key, recent)
    return recent.length
  }

  /** Records an event; returns how many there now are in the window. */
  add(key: string, now = Date.now()): number {
    const recent = (this.events.get(key) ?? []).filter((t) => now - t < this.windowMs)
    recent.push(now)
    this.events.delete(key) // re-insert: Map order is then oldest-touched first
    this.events.set(key, recent)
    if (this.events.size > this.maxKeys) this.prune(now)
    return recent.length
  }

  /** When the window of `key` frees up again (0 when it has room). */
  retryAfterMs(key: string, limit: number, now = Date.now()): number {
    const recent = (this.events.get(key) ?? []).filter((t) => now - t < this.windowMs)
    if (recent.length < limit) return 0
    return (recent[recent.length - limit] ?? now) + this.windowMs - now
  }

  clear(key: string): void {
    this.events.delete(key)
  }

  get size(): number {
    return this.events.size
  }

  private prune(now: number): void {
    for (const [key, times] of this.events) {
      if (times.every((t) => now - t >= this.windowMs)) this.events.delete(key)
    }
    for (const key of this.events.keys()) {
      if (this.events.size <= this.maxKeys) break
      this.events.delete(key)
    }
  }
}
