/**
 * A DPoP-bound access token for one request (RFC 9449), as Pasientens
 * måledata asks of its clients through HelseID (issue 18, docs/decisions/0018).
 * The transport calls it per request: a DPoP proof names the method and URL
 * (htm, htu), so it cannot be reused for another. `nonce` is the server's
 * `DPoP-Nonce` when it demanded one (a 401 with `use_dpop_nonce`).
 *
 * Returns `Authorization: DPoP <token>` and `DPoP: <proof>`. The HelseID
 * machine client (client credentials with private_key_jwt) implements it;
 * `staticTokenDpopAuth` (pmd/static-dpop-auth.ts) serves tests and demo mode.
 */
export interface DpopAuth { headersFor(method: string, url: string, nonce?: string): Promise<Record<string, string>> }
