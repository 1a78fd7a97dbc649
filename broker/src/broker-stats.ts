import type { BrokerStatsSnapshot } from '@varde/domain'

/** Why the broker refused or cut off a client; each has a log line with the same `event` name. */
export const REFUSAL_REASONS = [
  'auth', 'throttled', 'connection-cap', 'publish', 'subscribe', 'forward', 'packet-too-large',
  'keepalive-timeout', 'connect-timeout', 'revoked',
] as const
export type RefusalReason = (typeof REFUSAL_REASONS)[number]

/** The counters of one broker instance since it started (published as `BrokerStatsSnapshot`). */
export class BrokerStats {
  messagesIn = 0
  messagesOut = 0
  readonly refusals = Object.fromEntries(REFUSAL_REASONS.map((r) => [r, 0])) as Record<RefusalReason, number>
  readonly startedAt = new Date()

  constructor(
    readonly brokerId: string,
    readonly intervalMs: number,
  ) {}

  refuse(reason: RefusalReason): void {
    this.refusals[reason]++
  }

  snapshot(connected: { gateways: number; services: number }): BrokerStatsSnapshot {
    return {
      brokerId: this.brokerId,
      at: new Date().toISOString(),
      startedAt: this.startedAt.toISOString(),
      intervalMs: this.intervalMs,
      connectedGateways: connected.gateways,
      connectedServices: connected.services,
      messagesIn: this.messagesIn,
      messagesOut: this.messagesOut,
      refusals: { ...this.refusals },
      rssBytes: process.memoryUsage.rss(),
    }
  }
}
