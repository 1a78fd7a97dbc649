import { z } from 'zod'
import { ROLES } from './constants.js'
import { storableText } from './input.js'

/** POST /api/session */
export const logInBody = z.object({
  username: storableText(100, { min: 1 }),
  password: z.string().min(1).max(200),
})
export type LogInBody = z.infer<typeof logInBody>

/** GET /api/session: the logged-in user and tenant. */
export const sessionInfoSchema = z.object({
  user: z.object({
    id: z.string(),
    username: z.string(),
    displayName: z.string(),
    role: z.enum(ROLES),
  }),
  tenant: z.object({ id: z.string(), name: z.string() }),
  /** How the user logged in (issue 24): a HelseID session logs out at HelseID too, and logs in again there. */
  authMethod: z.enum(['password', 'helseid']).optional(),
  /** When the user last proved who they are (ISO 8601); emergency access asks for a recent one. */
  authTime: z.string().optional(),
})
export type SessionInfo = z.infer<typeof sessionInfoSchema>
