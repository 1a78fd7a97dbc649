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
  authMethod: z.enum(['password', 'helseid', 'idporten']).optional(),
  /** When the user last proved who they are (ISO 8601); emergency access asks for a recent one. */
  authTime: z.string().optional(),
})
export type SessionInfo = z.infer<typeof sessionInfoSchema>

/**
 * GET /api/session/tenant-choice: the tenants a person who is a user in
 * several may pick after a HelseID login (issue 24); empty when no choice is
 * under way in this browser (expired after 5 minutes, or used).
 */
export const tenantChoiceSchema = z.object({
  items: z.array(z.object({ tenantId: z.string(), tenantName: z.string(), displayName: z.string() })),
})
export type TenantChoice = z.infer<typeof tenantChoiceSchema>

/** POST /api/session/tenant-choice: the picked tenant; the session opens for it alone. */
export const chooseTenantBody = z.object({ tenantId: z.string().min(1).max(100) })
