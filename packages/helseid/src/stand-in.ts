import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { decodeJwt, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose'
import Provider, { type Configuration } from 'oidc-provider'
import { HELSEID_CLAIMS, HELSEID_SCOPES, LOGIN_SCOPES } from './claims.js'
import { STAND_IN_PERSONNEL, type TestPerson } from './personnel.js'

/**
 * A local HelseID for demo mode and tests (issue 24; docs/decisions/0021):
 * a real OpenID provider (`oidc-provider`, certified) configured as HelseID
 * behaves where Varde depends on it — authorization code with PKCE (S256
 * only), `private_key_jwt` client authentication, HelseID's claim names, the
 * trust framework's `authorization_details`, RP-initiated logout, and
 * client credentials with DPoP-bound JWT access tokens and server nonces.
 * Its login page lists no one: a tester types a test person's login
 * (personnel.ts). It is not HelseID: no ID-porten behind it, no HPR lookup.
 */
export interface StandInOptions {
  port?: number
  host?: string
  /** Varde's portal as a client: its redirect URIs and the public key of its `private_key_jwt`. */
  loginClient: { clientId: string; redirectUris: string[]; postLogoutRedirectUris: string[]; publicJwk: JWK }
  /** System-to-system clients (client credentials, DPoP-bound tokens). */
  machineClients?: { clientId: string; publicJwk: JWK }[]
  /** The audience of machine clients' access tokens (the resource server, e.g. Pasientens måledata). */
  machineAudience?: string
  personnel?: readonly TestPerson[]
  /** Ask for a server nonce in every DPoP proof (HelseID does). Default true. */
  requireDpopNonce?: boolean
  /** Seconds a machine access token lives (default 300). */
  accessTokenTtlSeconds?: number
  /**
   * Tests of a misbehaving provider: rewrites each ID token's claims and
   * signs it again with the provider's own key (wrong audience, issuer,
   * nonce, an expired token). Never set in demo mode.
   */
  tamperIdToken?: (payload: JWTPayload) => JWTPayload
}

export interface StandIn {
  issuer: string
  /** The provider's public signing keys (a resource server verifies access tokens with them). */
  publicJwks: { keys: JWK[] }
  close(): Promise<void>
}


export async function startHelseIdStandIn(options: StandInOptions): Promise<StandIn> {
  const personnel = options.personnel ?? STAND_IN_PERSONNEL
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true })
  const signingJwk = { ...(await exportJWK(privateKey)), kid: 'stand-in-1', alg: 'RS256', use: 'sig' }
  const publicJwk = { ...(await exportJWK(publicKey)), kid: 'stand-in-1', alg: 'RS256', use: 'sig' }

  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => { res.statusCode = 503; res.end() }
  const server = createServer((req, res) => handler(req, res))
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as AddressInfo
  const issuer = `http://${options.host ?? '127.0.0.1'}:${port}`
  const machineAudience = options.machineAudience ?? 'nhn:pmd'
  const machineIds = new Set((options.machineClients ?? []).map((c) => c.clientId))

  const configuration: Configuration = {
    clients: [
      {
        client_id: options.loginClient.clientId,
        token_endpoint_auth_method: 'private_key_jwt',
        jwks: { keys: [options.loginClient.publicJwk as never] },
        redirect_uris: options.loginClient.redirectUris,
        post_logout_redirect_uris: options.loginClient.postLogoutRedirectUris,
        response_types: ['code'],
        grant_types: ['authorization_code'],
      },
      ...(options.machineClients ?? []).map((c) => ({
        client_id: c.clientId,
        token_endpoint_auth_method: 'private_key_jwt' as const,
        jwks: { keys: [c.publicJwk as never] },
        redirect_uris: [],
        response_types: [],
        grant_types: ['client_credentials'],
        dpop_bound_access_tokens: true,
      })),
    ],
    jwks: { keys: [signingJwk as never] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    pkce: { required: () => true },
    // HelseID puts the identity claims in the ID token
    conformIdTokenClaims: false,
    scopes: ['openid', 'profile', ...LOGIN_SCOPES.slice(2), 'nhn:pmd'],
    claims: {
      openid: ['sub'],
      profile: ['name'],
      [HELSEID_SCOPES.hprNumber]: [HELSEID_CLAIMS.hprNumber],
      [HELSEID_SCOPES.pidPseudonym]: [HELSEID_CLAIMS.pidPseudonym],
      [HELSEID_SCOPES.securityLevel]: [HELSEID_CLAIMS.securityLevel],
      [HELSEID_SCOPES.trustFramework]: ['authorization_details'],
    },
    findAccount: (_ctx, id) => {
      const person = personnel.find((p) => p.login === id)
      if (!person) return undefined
      return {
        accountId: id,
        claims: () => ({
          sub: person.login,
          name: person.name,
          [HELSEID_CLAIMS.pidPseudonym]: person.pidPseudonym,
          [HELSEID_CLAIMS.securityLevel]: person.securityLevel,
          ...(person.hprNumber ? { [HELSEID_CLAIMS.hprNumber]: person.hprNumber } : {}),
          ...(person.trustFramework ? { authorization_details: person.trustFramework } : {}),
        }),
      }
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    ttl: { AccessToken: options.accessTokenTtlSeconds ?? 300, ClientCredentials: options.accessTokenTtlSeconds ?? 300, IdToken: 300, Interaction: 600, Session: 12 * 3600, Grant: 12 * 3600, AuthorizationCode: 60 },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      dPoP: { enabled: true, nonceSecret: randomBytes(32), requireNonce: () => options.requireDpopNonce ?? true },
      rpInitiatedLogout: {
        enabled: true,
        // single logout: the stand-in ends its session without a second question (HelseID asks none either)
        logoutSource: (ctx, form) => {
          ctx.body = `<!doctype html><html lang="nb"><head><title>Logger ut</title></head><body>${form.replace('</form>', '<input type="hidden" name="logout" value="yes"><button>Logg ut av HelseID (demo)</button></form>')}<script>document.forms[0].submit()</script></body></html>`
        },
      },
      resourceIndicators: {
        enabled: true,
        defaultResource: (_ctx, client) => (machineIds.has(client.clientId) ? machineAudience : undefined),
        useGrantedResource: () => false,
        getResourceServerInfo: (_ctx, resource) => {
          if (resource !== machineAudience) throw new Error(`unknown resource ${resource}`)
          return { scope: 'nhn:pmd', audience: machineAudience, accessTokenFormat: 'jwt', accessTokenTTL: options.accessTokenTtlSeconds ?? 300, jwt: { sign: { alg: 'RS256' } } }
        },
      },
    },
    // the stand-in answers no one but its own demo and tests: errors in plain words
    renderError: (ctx, out) => { ctx.type = 'text/plain'; ctx.body = `${out.error}: ${out.error_description ?? ''}` },
  }
  const provider = new Provider(issuer, configuration)
  if (options.tamperIdToken) tamperTokens(provider, options.tamperIdToken, privateKey)

  const providerCallback = provider.callback()
  handler = (req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/'
    if (path.startsWith('/interaction/')) {
      interaction(provider, personnel, req, res).catch(() => { if (!res.headersSent) { res.statusCode = 500; res.end('interaction failed') } })
      return
    }
    providerCallback(req, res)
  }
  return {
    issuer,
    publicJwks: { keys: [publicJwk] },
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()) }),
  }
}

function tamperTokens(provider: Provider, tamper: (p: JWTPayload) => JWTPayload, key: CryptoKey): void {
  provider.use(async (ctx, next) => {
    await next()
    const body = ctx.body as { id_token?: unknown } | undefined
    if (ctx.path !== '/token' || typeof body?.id_token !== 'string') return
    const payload = tamper(decodeJwt(body.id_token))
    body.id_token = await new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid: 'stand-in-1', typ: 'JWT' }).sign(key)
  })
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

/** The stand-in's login page: a test person's login, no password (HelseID would send the user on to ID-porten). */
async function interaction(provider: Provider, personnel: readonly TestPerson[], req: IncomingMessage, res: ServerResponse): Promise<void> {
  const details = await provider.interactionDetails(req, res)
  if (req.method === 'POST') {
    const login = new URLSearchParams(await bodyOf(req)).get('login')?.trim() ?? ''
    const person = personnel.find((p) => p.login === login)
    if (!person) return page(res, details.uid, 'Ukjent testperson. / Unknown test person.')
    await provider.interactionFinished(req, res, { login: { accountId: person.login }, consent: { grantId: await grantFor(provider, details, person.login) } }, { mergeWithLastSubmission: false })
    return
  }
  if (details.prompt.name === 'consent' && details.session?.accountId) {
    // HelseID asks no consent of health personnel: the grant is the login's
    await provider.interactionFinished(req, res, { consent: { grantId: await grantFor(provider, details, details.session.accountId) } }, { mergeWithLastSubmission: true })
    return
  }
  page(res, details.uid)
}

async function grantFor(provider: Provider, details: Awaited<ReturnType<Provider['interactionDetails']>>, accountId: string): Promise<string> {
  const clientId = String(details.params.client_id)
  const grant = details.grantId ? await provider.Grant.find(details.grantId) : undefined
  const g = grant ?? new provider.Grant({ accountId, clientId })
  g.addOIDCScope(String(details.params.scope ?? 'openid'))
  return g.save()
}

function page(res: ServerResponse, uid: string, problem?: string): void {
  res.setHeader('content-type', 'text/html; charset=utf-8')
  res.setHeader('cache-control', 'no-store')
  res.end(`<!doctype html>
<html lang="nb"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>HelseID (demo) – logg inn</title>
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;color:#1a1a1a}label,input,button{display:block;font-size:1rem;margin:.5rem 0}input{padding:.5rem;width:100%;box-sizing:border-box}button{padding:.6rem 1.2rem;background:#0b5394;color:#fff;border:0;border-radius:4px}p.problem{color:#a30000}</style>
</head><body><main>
<h1>HelseID (demo)</h1>
<p>Lokal erstatning for HelseID, bare for demo og test. Testpersoner: sykepleier, lege, fastlege, niva3 (sikkerhetsnivå 3), ukjent (uten HPR-nummer).</p>
<p lang="en">A local HelseID stand-in for demo and tests only.</p>
${problem ? `<p class="problem" role="alert">${escapeHtml(problem)}</p>` : ''}
<form method="post" action="/interaction/${escapeHtml(uid)}">
<label for="login">Testperson / Test person</label>
<input id="login" name="login" autocomplete="username" required autofocus>
<button type="submit">Logg inn</button>
</form></main></body></html>`)
}

async function bodyOf(req: IncomingMessage): Promise<string> {
  let body = ''
  for await (const chunk of req) {
    body += String(chunk)
    if (body.length > 10_000) throw new Error('interaction body too large')
  }
  return body
}
