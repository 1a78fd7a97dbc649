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
})
export type SessionInfo = z.infer<typeof sessionInfoSchema>
