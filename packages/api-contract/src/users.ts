import { z } from 'zod'
import { STAFF_RELATIONS, STAFF_ROLES } from './constants.js'
import { storableText } from './input.js'

/** The tenant administrator's users and roles (/api/admin/users; issue 17). */

export const staffUserSchema = z.object({
  id: z.string(),
  username: z.string(),
  displayName: z.string(),
  role: z.enum(STAFF_ROLES),
  isEnabled: z.boolean(),
  createdAt: z.string(),
  patients: z.array(z.object({ memberId: z.string(), patientId: z.string(), patientName: z.string(), relation: z.string() }))
    .describe('The patients on whose care team the user has an active relationship'),
})
export type StaffUser = z.infer<typeof staffUserSchema>
export const staffUserListSchema = z.object({
  items: z.array(staffUserSchema),
  patients: z.array(z.object({ id: z.string(), displayName: z.string() })).describe('The patients a user may be put on the care team of'),
})
export type StaffUserList = z.infer<typeof staffUserListSchema>

export const createUserBody = z.object({
  username: z.string().regex(/^[a-z0-9._-]{2,64}$/, 'a username is 2 to 64 of a-z 0-9 . _ -'),
  displayName: storableText(200, { trim: true, min: 1 }),
  role: z.enum(STAFF_ROLES),
}).strict()
export type CreateUserBody = z.infer<typeof createUserBody>
export const createdUserSchema = z.object({ id: z.string(), password: z.string().describe('Shown this once; only its hash is kept') })

export const updateUserBody = z.object({
  role: z.enum(STAFF_ROLES).optional(),
  isEnabled: z.boolean().optional().describe('false: the user\'s sessions end at once and logging in is refused'),
}).strict().refine((b) => b.role !== undefined || b.isEnabled !== undefined, 'give role or isEnabled')
export type UpdateUserBody = z.infer<typeof updateUserBody>
export const passwordSchema = z.object({ password: z.string().describe('Shown this once; only its hash is kept') })

export const teamBody = z.object({
  patientId: z.guid(),
  relation: z.enum(STAFF_RELATIONS).default('home-care'),
  reason: storableText(1000, { trim: true, min: 1 }).optional(),
}).strict()
export type TeamBody = z.input<typeof teamBody>
