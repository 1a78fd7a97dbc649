import { GATEWAY_ID_PATTERN } from '@varde/domain'
import { z } from 'zod'
import { GATEWAY_STATES } from './constants.js'
import { storableText, uuidParam } from './input.js'

/** The administrator's gateway provisioning (/api/admin/gateways). */

export const gatewayId = z
  .string()
  .regex(GATEWAY_ID_PATTERN, 'a gateway id is 3 to 64 of A-Z a-z 0-9 . _ -')
export const gatewayParams = z.object({ id: gatewayId })
export const deviceId = storableText(128, { min: 1 })
export const deviceParams = z.object({ id: gatewayId, deviceId })

export const provisionedGatewaySchema = z.object({
  id: z.string(),
  patientId: z.string().nullable(),
  state: z.enum(GATEWAY_STATES),
  firmware: z.string().nullable(),
  battery: z.number().nullable(),
  lastSeenAt: z.string().nullable(),
  createdAt: z.string(),
  revokedAt: z.string().nullable(),
  pairedDeviceIds: z.array(z.string()),
})
export type ProvisionedGateway = z.infer<typeof provisionedGatewaySchema>
export const gatewayListSchema = z.object({ items: z.array(provisionedGatewaySchema) })

export const provisionBody = z.object({ id: gatewayId.optional(), patientId: uuidParam })
export const provisionedSchema = z.object({ id: z.string(), secret: z.string() })
export const rotatedSchema = z.object({ secret: z.string() })
export const pairBody = z.object({ deviceId })
export const pairedSchema = z.object({
  gatewayId: z.string(),
  deviceId: z.string(),
  pairedAt: z.string(),
})

/** The administrator's page of gateways and devices (GET /api/admin/gateways/overview; issue 17). */
const lastReadingSchema = z.object({ type: z.string(), measuredAt: z.string(), receivedAt: z.string() }).nullable()
  .describe('The newest reading: its type and times, never its value')
export const gatewayDeviceSchema = z.object({
  deviceId: z.string(),
  pairedAt: z.string().nullable().describe('null: reported by the gateway, never paired (or unpaired)'),
  battery: z.number().nullable(),
  lastReadingAt: z.string().nullable().describe('When its last reading arrived; null when none has since it was paired'),
  lastReadingType: z.string().nullable().describe('That reading\'s type, when it is the gateway\'s newest of its type'),
})
export type GatewayDevice = z.infer<typeof gatewayDeviceSchema>
export const gatewayOverviewSchema = z.object({
  id: z.string(),
  patient: z.object({ id: z.string(), displayName: z.string() }).nullable(),
  state: z.enum(GATEWAY_STATES),
  firmware: z.string().nullable(),
  battery: z.number().nullable(),
  lastSeenAt: z.string().nullable(),
  createdAt: z.string(),
  revokedAt: z.string().nullable(),
  lastReading: lastReadingSchema,
  devices: z.array(gatewayDeviceSchema),
  recentRejections: z.number().int().describe('Rejections received in the last 7 days'),
})
export type GatewayOverview = z.infer<typeof gatewayOverviewSchema>
export const gatewayOverviewListSchema = z.object({ items: z.array(gatewayOverviewSchema) })

/** A gateway's rejections for review (device-protocol.md "Receipts"), newest first. */
export const rejectionQuery = z.object({
  before: z.coerce.number().int().positive().optional().describe('Keyset: rejections with a smaller id'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
})
export const rejectionSchema = z.object({
  id: z.number().int(),
  batchId: z.string().nullable(),
  measurementId: z.string().nullable(),
  code: z.string().describe('device-protocol.md error code'),
  detail: z.string(),
  raw: z.string().describe('The input as received: text, or base64 of its bytes; cut at 4000 characters'),
  rawEncoding: z.enum(['text', 'base64']),
  rawLength: z.number().int(),
  receivedAt: z.string(),
})
export type GatewayRejection = z.infer<typeof rejectionSchema>
export const rejectionListSchema = z.object({ items: z.array(rejectionSchema), nextBefore: z.number().int().nullable() })
