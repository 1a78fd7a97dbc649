import { z } from 'zod'
import { episodeSchema } from './episodes.js'
import { isoInstant, storableText } from './input.js'

/**
 * The nurse's shift (issue 20, docs/decisions/0034): "since your last
 * shift", the handover notes (rapport) and who is on which patient. The
 * server's routes answer with these shapes; the portal reads them.
 */
export const SHIFT_NAMES = ['day', 'evening', 'night'] as const
export type ShiftName = (typeof SHIFT_NAMES)[number]

const userName = z.object({ id: z.string(), displayName: z.string() })

export const handoverNoteSchema = z.object({
  id: z.string(),
  patientId: z.string(),
  patientName: z.string(),
  text: z.string(),
  writtenAt: z.string(),
  author: userName,
})
export type HandoverNote = z.infer<typeof handoverNoteSchema>
export const handoverListSchema = z.object({ items: z.array(handoverNoteSchema) })

export const shiftWindowSchema = z.object({
  shift: z.enum(SHIFT_NAMES),
  /** The local date the shift starts on (a night belongs to the date it starts). */
  date: z.string(),
  startsAt: z.string(),
  endsAt: z.string(),
})
export type ShiftWindow = z.infer<typeof shiftWindowSchema>

export const shiftAssignmentSchema = z.object({
  patientId: z.string(),
  patientName: z.string(),
  shiftDate: z.string(),
  shift: z.enum(SHIFT_NAMES),
  nurse: userName,
  assignedBy: userName,
  assignedAt: z.string(),
})
export type ShiftAssignment = z.infer<typeof shiftAssignmentSchema>

/** PUT /api/patients/:id/shift-assignment: `userId` null takes the patient off the shift. */
export const shiftAssignmentBody = z.object({
  userId: z.guid().nullable(),
  /** Default: the shift in progress. */
  shift: z.enum(SHIFT_NAMES).optional(),
  date: z.iso.date().refine((d) => d >= '1900-01-01' && d <= '9999-12-31', 'must be between 1900 and 9999').optional(),
})
export const shiftAssignmentAnswer = z.object({ assignment: shiftAssignmentSchema.nullable() })

/** POST /api/patients/:id/handover */
export const handoverBody = z.object({ text: storableText(4000, { trim: true, min: 1 }) })

/** GET /api/shift */
export const shiftQuerySchema = z.object({
  /** From when "since" counts; default: the start of the shift before the one in progress. */
  since: isoInstant.optional(),
})

export const shiftPatientSchema = z.object({ id: z.string(), displayName: z.string(), at: z.string() })

export const shiftViewSchema = z.object({
  now: z.string(),
  current: shiftWindowSchema,
  previous: shiftWindowSchema,
  since: z.string(),
  /** The caller's patients on the shift in progress ("mine"), then everyone else's. */
  mine: z.array(shiftAssignmentSchema),
  others: z.array(shiftAssignmentSchema),
  /** The caller's patients on no one's list for the shift in progress. */
  unassigned: z.array(z.object({ id: z.string(), displayName: z.string() })),
  /** Nurses a patient may be put on (names only); empty for a caller who may not assign. */
  nurses: z.array(userName),
  canAssign: z.boolean(),
  /** The latest handover note of each patient written since `since`, mine first. */
  handovers: z.array(handoverNoteSchema),
  /** Unresolved episodes that began since `since`. */
  newEpisodes: z.array(episodeSchema),
  /** Unresolved episodes that began before and turned red since. */
  worsenedEpisodes: z.array(episodeSchema),
  /** Episodes whose alerts were resolved since. */
  resolvedEpisodes: z.array(episodeSchema),
  /** Patients with an unresolved missed-measurement alert; `at`: when it was first missed. */
  missedMeasurements: z.array(shiftPatientSchema),
  /** Patients enrolled since; `at`: when. */
  newPatients: z.array(shiftPatientSchema),
})
export type ShiftView = z.infer<typeof shiftViewSchema>
