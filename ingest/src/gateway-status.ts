import { updateGatewayStatus, type Queryable } from '@varde/db'
import { gatewayStatusSchema, gatewayStatusStoredEvent, INTERNAL_TOPICS } from '@varde/domain'
import type { Logger } from 'pino'

/**
 * A gateway's retained status (device-protocol.md "Connection"): stored, then
 * announced on `INTERNAL_TOPICS.gatewayStatusStored`. A malformed one is
 * logged and ignored (a status is not answered).
 */
export async function storeGatewayStatus(
  ctx: { db: Queryable; log: Logger; publish: (topic: string, payload: string) => void }, gatewayId: string, payload: Buffer,
): Promise<void> {
  let json: unknown
  try {
    json = JSON.parse(payload.toString('utf8'))
  } catch {
    json = undefined
  }
  const parsed = gatewayStatusSchema.safeParse(json)
  if (!parsed.success) {
    ctx.log.warn({ event: 'bad-status', gatewayId }, 'ignored a malformed gateway status')
    return
  }
  const at = new Date()
  await updateGatewayStatus(ctx.db, gatewayId, { ...parsed.data, at })
  ctx.publish(INTERNAL_TOPICS.gatewayStatusStored, JSON.stringify(gatewayStatusStoredEvent(gatewayId, parsed.data, at)))
}
