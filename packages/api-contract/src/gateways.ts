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
