import { citizenOf, identityOf, ID_PORTEN_SCOPES, LOGIN_SCOPES, type CitizenIdentity, type HelseIdIdentity, type IdentityProblem } from '@varde/helseid'
import type { ProviderProfile, RelyingParty } from './relying-party.js'

/**
 * HelseID for staff (issue 24; docs/decisions/0021): HelseID's scopes, and
 * the identity with the trust framework's `authorization_details` (in the ID
 * token, or beside it in the token response).
 */
export type HelseIdFailure = 'helseid-login-failed' | IdentityProblem
export const HELSEID: ProviderProfile<HelseIdIdentity, HelseIdFailure> = {
  failure: 'helseid-login-failed',
  scopes: LOGIN_SCOPES,
  identityOf(claims, tokens) {
    const read = identityOf({ ...claims, authorization_details: claims.authorization_details ?? tokens.authorization_details })
    return 'problem' in read ? { problem: read.problem, reason: 'authorization_details do not follow the trust framework' } : read
  },
}

/**
 * ID-porten for patients (issue 25; docs/decisions/0039): it asks for the
 * level the tenant wants at least (`acr_values`), and reads `pid` and `acr`
 * from the checked token; the session decides whether the level is enough
 * (credentials.ts).
 */
export const ID_PORTEN: ProviderProfile<CitizenIdentity, 'idporten-login-failed'> = {
  failure: 'idporten-login-failed',
  scopes: ID_PORTEN_SCOPES,
  // health data: ask for high (BankID and the like); the answer's acr is checked against the tenant's least all the same
  authorizationParameters: { acr_values: 'idporten-loa-high', ui_locales: 'nb' },
  identityOf: (claims) => citizenOf(claims),
}

export type HelseIdRelyingParty = RelyingParty<HelseIdIdentity, HelseIdFailure>
export type IdPortenRelyingParty = RelyingParty<CitizenIdentity, 'idporten-login-failed'>
