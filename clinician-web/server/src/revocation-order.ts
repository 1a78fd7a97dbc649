import { INTERNAL_TOPICS } from '@varde/domain'
import type { FastifyBaseLogger } from 'fastify'
import type { LiveEvents } from './live-events.js'

/**
 * Orders the broker, over MQTT, to cut a revoked gateway off at once
 * (docs/decisions/0007). The broker's database poll is the safety net: a
 * failed or slow order does not fail the request that revoked it.
 */
export async function orderDisconnect(live: LiveEvents, log: FastifyBaseLogger, gatewayId: string): Promise<void> {
  const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 2000).unref())
  const sent = live.publish(INTERNAL_TOPICS.gatewayRevoked, gatewayId).then(() => 'sent' as const, () => 'failed' as const)
  const result = await Promise.race([sent, timeout])
  if (result !== 'sent') log.warn({ event: 'revocation-order-not-sent', gatewayId, result }, 'broker not told at once; its database poll will cut the gateway off')
}
