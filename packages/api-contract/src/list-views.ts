import { z } from 'zod'
import { PATIENT_CONDITIONS, SERVICE_STATES } from './constants.js'
import { storableText } from './input.js'

/**
 * The patient list's view (issue 20, "the list at 80–500 patients"): a
 * filter and a sort for each column of the dense row. The portal keeps it in
 * the URL query; a user saves it under a name (migration 0034). The search
 * text is not part of it: a saved view is a kind of patient, not a patient.
 */
export const LIST_SORTS = ['urgency', 'name', 'age', 'condition', 'episode', 'last', 'adherence', 'contact'] as const
export type ListSort = (typeof LIST_SORTS)[number]

/** Latest values: any out of the patient's range (yellow or red), or a red one. */
export const LIST_READING_FILTERS = ['out', 'red'] as const
export type ListReadingFilter = (typeof LIST_READING_FILTERS)[number]

export const listViewStateSchema = z
  .object({
    condition: z.enum(PATIENT_CONDITIONS).nullable(),
    attention: z.boolean(),
    sort: z.enum(LIST_SORTS),
    state: z.enum(SERVICE_STATES).nullable(),
    reading: z.enum(LIST_READING_FILTERS).nullable(),
    lowAdherence: z.boolean(),
    noContact: z.boolean(),
  })
  .strict()
export type ListViewState = z.infer<typeof listViewStateSchema>

/** POST /api/list-views: saves under the name, replacing the caller's view of that name. */
export const saveListViewBody = z
  .object({ name: storableText(60, { trim: true, min: 1 }), view: listViewStateSchema })
  .strict()

export const savedListViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  view: listViewStateSchema,
  updatedAt: z.string(),
})
export type SavedListView = z.infer<typeof savedListViewSchema>

/** GET /api/list-views: the caller's own, by name. */
export const savedListViewListSchema = z.object({ items: z.array(savedListViewSchema) })
