/**
 * When to try a failed delivery again: exponential backoff from `baseMs`,
 * doubling per try up to `maxMs`, with up to a fifth of jitter so that many
 * deliveries to one recipient that came back do not all knock at once.
 * Null after `maxAttempts` tries: a dead letter.
 */
export interface BackoffPolicy {
  baseMs: number
  maxMs: number
  maxAttempts: number
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 1_000, maxMs: 10 * 60_000, maxAttempts: 30 }

export function nextAttemptAt(policy: BackoffPolicy, attempts: number, now: Date, random: () => number = Math.random): Date | null {
  if (attempts >= policy.maxAttempts) return null
  const delay = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempts - 1))
  return new Date(now.getTime() + delay + Math.floor(delay * 0.2 * random()))
}
