/**
 * Throttles repeated failed logins (platform-contract.md "HTTP"): after
 * `maxFailures` failures for one username from one address within
 * `windowMs`, further attempts are refused until the window has passed.
 * Per process; a cluster would keep this in the database or Redis.
 */
export class LoginThrottle {
  private readonly failures = new Map<string, number[]>()
  constructor(
    private readonly maxFailures = 5,
    private readonly windowMs = 15 * 60_000,
  ) {}

  isBlocked(username: string, ip: string, now = Date.now()): boolean {
    return this.recent(`${username}\u0000${ip}`, now).length >= this.maxFailures
  }

  recordFailure(username: string, ip: string, now = Date.now()): void {
    const key = `${username}\u0000${ip}`
    this.failures.set(key, [...this.recent(key, now), now])
    if (this.failures.size > 100_000) this.failures.clear() // bounded memory under a spray attack
  }

  recordSuccess(username: string, ip: string): void {
    this.failures.delete(`${username}\u0000${ip}`)
  }

  private recent(key: string, now: number): number[] {
    return (this.failures.get(key) ?? []).filter((t) => now - t < this.windowMs)
  }
}
