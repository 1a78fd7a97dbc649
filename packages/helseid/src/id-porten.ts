import { z } from 'zod'

/**
 * ID-porten, the citizens' login (Digdir), as Varde's patients use it (issue
 * 25; docs/decisions/0039): OpenID Connect, the ID token carries the person's
 * national identity number in `pid` and the level of the login in `acr`.
 * ID-porten's levels since 2023 are named by eIDAS: `idporten-loa-substantial`
 * (MinID and the like, earlier "nivå 3") and `idporten-loa-high` (BankID,
 * Buypass, Commfides; earlier "nivå 4"). `sub` is a pairwise pseudonym, not
 * the person.
 */
export const ID_PORTEN_CLAIMS = { nationalId: 'pid', level: 'acr' } as const
export const ID_PORTEN_LEVELS = ['idporten-loa-substantial', 'idporten-loa-high'] as const
export type IdPortenLevel = (typeof ID_PORTEN_LEVELS)[number]
/** What the login asks for: `openid` alone brings `pid` in the ID token (ID-porten's `profile` adds nothing Varde reads). */
export const ID_PORTEN_SCOPES = ['openid', 'profile']

/** The order of the levels: a tenant's least accepted level is met by it or a higher one. */
export const isLevelAtLeast = (level: IdPortenLevel, least: IdPortenLevel): boolean =>
  ID_PORTEN_LEVELS.indexOf(level) >= ID_PORTEN_LEVELS.indexOf(least)

// a Norwegian national identity number or D-number: eleven digits (the check digits are the population register's to judge)
const claimsSchema = z.object({
  sub: z.string().min(1).max(200),
  pid: z.string().regex(/^\d{11}$/),
  acr: z.enum(ID_PORTEN_LEVELS),
})

export interface CitizenIdentity {
  /** ID-porten's pairwise pseudonym of the person at this client. */
  subject: string
  /** The national identity number: matched to the patient's record, never logged or kept in the session. */
  nationalId: string
  level: IdPortenLevel
}

/** The citizen an ID token names, or why it cannot be read (no `pid`, an unknown `acr`). */
export function citizenOf(claims: Record<string, unknown>): { identity: CitizenIdentity } | { problem: 'idporten-login-failed'; reason: string } {
  const read = claimsSchema.safeParse(claims)
  if (!read.success) return { problem: 'idporten-login-failed', reason: `ID token claims: ${read.error.issues.map((i) => i.path.join('.')).join(', ')}` }
  return { identity: { subject: read.data.sub, nationalId: read.data.pid, level: read.data.acr } }
}
