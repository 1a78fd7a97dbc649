import { z } from 'zod'
import { PROTOCOL_ERROR_CODES } from '../errors.js'
import { isOffsetDateTime } from './iso-time.js'
import { isStorableText, MAX_ID_LENGTH, UNSTORABLE_TEXT_MESSAGE } from './storable-text.js'

/**
 * Schemas of the MQTT payloads of device-protocol.md; the TypeScript types are
 * derived from them. They check shape only: what a value means (known type,
 * unit, plausible range, time) is judged by `judgeBatch`, one measurement at a
 * time, so a bad measurement never fails its whole batch.
 *
 * Unknown keys are ignored (stripped), never refused: the protocol evolves by
 * adding optional fields ("changes only by adding optional fields").
 */

/** device-protocol.md "Measurement batch": 1 to 500 measurements per batch. */
export const MAX_MEASUREMENTS_PER_BATCH = 500

/** device-protocol.md "Connection": maximum packet size 256 KiB. */
export const MAX_BATCH_BYTES = 256 * 1024

export const offsetDateTimeSchema = z
  .string()
  .refine(isOffsetDateTime, 'must be an ISO 8601 date-time with offset (Z or ±hh:mm)')

const batteryPercentSchema = z.number().min(0).max(100)

/** A string the platform stores (storable-text.ts): no NUL, no lone surrogate. */
const storableStringSchema = z.string().refine(isStorableText, UNSTORABLE_TEXT_MESSAGE)

/** An id a gateway gives (batchId, measurement id, deviceId): stored and indexed. */
const protocolIdSchema = storableStringSchema.pipe(z.string().min(1).max(MAX_ID_LENGTH))

/** The raw Bluetooth characteristic value: 16-bit UUID in lowercase hex, value in base64. */
export const gattValueSchema = z.object({
  characteristic: storableStringSchema,
  data: storableStringSchema,
})
export type GattValue = z.infer<typeof gattValueSchema>

/**
 * Fields every measurement has, whatever its form. `null` is read as absent
 * for the optional ones, since many JSON serializers write absent fields so.
 */
export const measurementEnvelopeSchema = z.object({
  id: protocolIdSchema,
  deviceId: protocolIdSchema,
  measuredAt: offsetDateTimeSchema.nullish(),
  battery: batteryPercentSchema.nullish(),
})

/** The decoded-reading form's own fields. */
export const decodedReadingFieldsSchema = z.object({
  type: storableStringSchema.pipe(z.string().min(1)),
  value: z.number(),
  unit: storableStringSchema,
})

/** A measurement sent as a decoded reading (`type`, `value`, `unit`); never with `gatt`. */
export const decodedMeasurementSchema = measurementEnvelopeSchema.extend({
  ...decodedReadingFieldsSchema.shape,
  gatt: z.undefined().optional(),
})
export type DecodedMeasurement = z.infer<typeof decodedMeasurementSchema>

/** A measurement sent as the raw characteristic (`gatt`); never with `type`/`value`/`unit`. */
export const gattMeasurementSchema = measurementEnvelopeSchema.extend({
  gatt: gattValueSchema,
  type: z.undefined().optional(),
  value: z.undefined().optional(),
  unit: z.undefined().optional(),
})
export type GattMeasurement = z.infer<typeof gattMeasurementSchema>

export const measurementSchema = z.union([decodedMeasurementSchema, gattMeasurementSchema])
export type Measurement = z.infer<typeof measurementSchema>

/**
 * A batch as judged on arrival: its envelope only. Each measurement stays
 * `unknown` here and is judged on its own.
 */
export const batchEnvelopeSchema = z.object({
  batchId: protocolIdSchema,
  sentAt: offsetDateTimeSchema,
  measurements: z.array(z.unknown()).min(1).max(MAX_MEASUREMENTS_PER_BATCH),
})
export type BatchEnvelope = z.infer<typeof batchEnvelopeSchema>

/** A fully well-formed batch, as a gateway (or the device simulator) should send it. */
export const measurementBatchSchema = batchEnvelopeSchema
  .extend({
    measurements: z.array(measurementSchema).min(1).max(MAX_MEASUREMENTS_PER_BATCH),
  })
  .superRefine((batch, ctx) => {
    const seen = new Set<string>()
    batch.measurements.forEach((m, i) => {
      if (seen.has(m.id)) {
        ctx.addIssue({
          code: 'custom',
          path: ['measurements', i, 'id'],
          message: `duplicate id "${m.id}"`,
        })
      }
      seen.add(m.id)
    })
  })
export type MeasurementBatch = z.infer<typeof measurementBatchSchema>

/** device-protocol.md "Connection": retained status, also the last will `{"state":"offline"}`. */
export const gatewayStatusSchema = z.object({
  state: z.enum(['online', 'offline']),
  firmware: storableStringSchema.pipe(z.string().max(MAX_ID_LENGTH)).optional(),
  // a whole percent, as stored (smallint): 87.5 failed the update, and ingest retried it for ever (issue 14)
  battery: batteryPercentSchema.transform(Math.round).optional(),
})
export type GatewayStatus = z.infer<typeof gatewayStatusSchema>

const protocolErrorCodeSchema = z.enum(PROTOCOL_ERROR_CODES)

/** device-protocol.md "Receipts": one per batch, once it is durably handled. */
export const receiptSchema = z.object({
  batchId: z.string(),
  accepted: z.array(z.string()),
  duplicate: z.array(z.string()),
  rejected: z.array(
    z.object({ id: z.string().nullable(), code: protocolErrorCodeSchema, detail: z.string() }),
  ),
})

/** The receipt of a payload that is not a batch at all (or too large). */
export const malformedReceiptSchema = z.object({
  batchId: z.null(),
  error: z.object({ code: protocolErrorCodeSchema, detail: z.string() }),
})

/** Platform → gateway commands on `.../commands` (device-protocol.md "Topics", "Time"). */
export const commandSchema = z.discriminatedUnion('command', [
  z.object({ command: z.literal('sync-clock'), now: offsetDateTimeSchema }),
])
export type Command = z.infer<typeof commandSchema>

/** Renders zod issues as one line: `field.path: message; ...`. */
export function describeIssues(error: z.ZodError, prefix = ''): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => {
      const path = [prefix, ...issue.path.map(String)].filter((p) => p !== '').join('.')
      return path === '' ? issue.message : `${path}: ${issue.message}`
    })
    .join('; ')
}
