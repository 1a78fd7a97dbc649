import { z } from 'zod'
import { gatewayStatusSchema, type GatewayStatus } from '../protocol/schemas.js'

/** Event payload on `INTERNAL_TOPICS.gatewayStatusStored`: the status as stored, with when. */
export const gatewayStatusStoredEventSchema = gatewayStatusSchema.extend({ gatewayId: z.string().min(1), at: z.string() })
export type GatewayStatusStoredEvent = z.infer<typeof gatewayStatusStoredEventSchema>

/** The one way to build the event on `INTERNAL_TOPICS.gatewayStatusStored`. */
export function gatewayStatusStoredEvent(gatewayId: string, status: GatewayStatus, at: Date): GatewayStatusStoredEvent {
  return { gatewayId, ...status, at: at.toISOString() }
}
