import { z } from 'zod'

/**
 * HelseID's claim and scope names, as its discovery document publishes them
 * (claims_supported / scopes_supported of helseid-sts.nhn.no): checked
 * against a published copy of that document, not guessed.
 */
export const HELSEID_CLAIMS = {
  hprNumber: 'helseid://claims/hpr/hpr_number',
  pidPseudonym: 'helseid://claims/identity/pid_pseudonym',
  securityLevel: 'helseid://claims/identity/security_level',
  assuranceLevel: 'helseid://claims/identity/assurance_level',
  /** The organisation (main unit) of the client, orgnr_parent; the point of care is orgnr_child. */
  orgnrParent: 'helseid://claims/client/claims/orgnr_parent',
  orgnrChild: 'helseid://claims/client/claims/orgnr_child',
} as const

export const HELSEID_SCOPES = {
  hprNumber: 'helseid://scopes/hpr/hpr_number',
  pidPseudonym: 'helseid://scopes/identity/pid_pseudonym',
  securityLevel: 'helseid://scopes/identity/security_level',
  assuranceLevel: 'helseid://scopes/identity/assurance_level',
  trustFramework: 'nhn:tillitsrammeverk:parameters',
} as const

/**
 * What a login asks HelseID for: who the person is, their HPR number, how
 * strongly they logged in, and the trust framework's parameters of the access.
 */
export const LOGIN_SCOPES = ['openid', 'profile', HELSEID_SCOPES.hprNumber, HELSEID_SCOPES.pidPseudonym, HELSEID_SCOPES.securityLevel, HELSEID_SCOPES.trustFramework]

const text = z.string().trim().min(1).max(200)
const identifier = z.object({ id: text, system: text, name: text.optional(), authority: text.optional() })
const coded = z.object({ code: text, system: text, text: text.optional(), assigner: text.optional() })

/**
 * The trust framework's parameters of an access (tillitsrammeverket,
 * `authorization_details` of type `nhn:tillitsrammeverk:parameters`, RFC 9396):
 * the practitioner's authorisation and where they work, and the care
 * relationship's service, purpose of use and local access decision. The
 * shape is HelseID's published JSON schema of the structure; unknown fields
 * are dropped (only what the access log needs is kept).
 */
export const trustFrameworkSchema = z.object({
  type: z.literal('nhn:tillitsrammeverk:parameters'),
  practitioner: z.object({
    authorization: coded.optional(),
    legal_entity: identifier,
    point_of_care: identifier,
    department: identifier.optional(),
  }),
  care_relationship: z.object({
    healthcare_service: coded.optional(),
    purpose_of_use: coded,
    purpose_of_use_details: coded.optional(),
    decision_ref: z.object({ id: text, user_selected: z.boolean().optional() }).optional(),
  }).optional(),
})
export type TrustFramework = z.infer<typeof trustFrameworkSchema>

/** What Varde keeps of a HelseID login (on the session, and in every access-log entry of it). */
export interface HelseIdIdentity {
  subject: string
  hprNumber: string | null
  pidPseudonym: string | null
  /** HelseID's security level (3: medium, 4: high). */
  securityLevel: number | null
  organisation: string | null
  name: string | null
  trustFramework: TrustFramework | null
}

export type IdentityProblem = 'trust-framework-invalid'

/**
 * Reads the identity from the ID token's claims (validated by openid-client
 * before this). `authorization_details` may be one object or a list (RFC 9396),
 * as JSON or as a JSON string; a present but malformed one is a problem, not
 * silently ignored: the access would be logged without its grounds.
 */
export function identityOf(claims: Record<string, unknown>): { identity: HelseIdIdentity } | { problem: IdentityProblem } {
  const str = (name: string): string | null => {
    const v = claims[name]
    return typeof v === 'string' && v.trim() !== '' ? v.trim() : typeof v === 'number' ? String(v) : null
  }
  const level = str(HELSEID_CLAIMS.securityLevel)
  const details = trustFrameworkOf(claims.authorization_details)
  if (details === 'invalid') return { problem: 'trust-framework-invalid' }
  return {
    identity: {
      subject: String(claims.sub),
      hprNumber: str(HELSEID_CLAIMS.hprNumber),
      pidPseudonym: str(HELSEID_CLAIMS.pidPseudonym),
      securityLevel: level !== null && /^\d$/.test(level) ? Number(level) : null,
      organisation: str(HELSEID_CLAIMS.orgnrParent) ?? details?.practitioner.legal_entity.id ?? null,
      name: str('name'),
      trustFramework: details,
    },
  }
}

function trustFrameworkOf(raw: unknown): TrustFramework | null | 'invalid' {
  if (raw === undefined || raw === null) return null
  let value = raw
  if (typeof value === 'string') {
    try { value = JSON.parse(value) } catch { return 'invalid' }
  }
  const list = Array.isArray(value) ? value : [value]
  const ours = list.filter((d) => typeof d === 'object' && d !== null && (d as { type?: unknown }).type === HELSEID_SCOPES.trustFramework)
  if (ours.length === 0) return null
  const parsed = trustFrameworkSchema.safeParse(ours[0])
  return parsed.success ? parsed.data : 'invalid'
}
