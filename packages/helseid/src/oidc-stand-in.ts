import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { decodeJwt, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose'
import Provider, { type Configuration } from 'oidc-provider'

/**
 * A local OpenID provider for demo mode and tests, one for each provider
 * Varde logs in with (HelseID: stand-in.ts; ID-porten: id-porten-stand-in.ts):
 * a real, certified provider (`oidc-provider`) on loopback, with what every
 * one of them does where Varde depends on it — authorization code with PKCE
 * (S256 only), `private_key_jwt`, the identity claims in the ID token,
 * RP-initiated logout without a second question, no consent asked — and a
 * login page that takes a test person's login, no password. What differs (the
 * scopes and claims, further clients and features, the test people) is the
 * provider's profile.
 */
export interface StandInBaseOptions {
  port?: number
  host?: string
  /**
   * Tests of a misbehaving provider: rewrites each ID token's claims and
   * signs it again with the provider's own key (wrong audience, issuer,
   * nonce, an expired token). Never set in demo mode.
   */
  tamperIdToken?: (payload: JWTPayload) => JWTPayload
}

/** Varde's portal as a client: its redirect URIs and the public key of its `private_key_jwt`. */
export interface LoginClient { clientId: string; redirectUris: string[]; postLogoutRedirectUris: string[]; publicJwk: JWK }

export interface StandInProfile {
  /** The provider's name on its login and logout pages. */
  name: string
  /** The signing key's id. */
  kid: string
  loginClient: LoginClient
  /** The provider's own parts of the configuration: scopes, claims, accounts, lifetimes, further clients and features. */
  configuration: Configuration
  /** The account a test login names, with how it logged in (`acr`, `amr`); undefined: no such test person. */
  loginOf(login: string): { accountId: string; acr?: string; amr?: string[] } | undefined
  page: { people: string; style: string }
}

export interface StandIn {
  issuer: string
  /** The provider's public signing keys (a resource server verifies access tokens with them). */
  publicJwks: { keys: JWK[] }
  close(): Promise<void>
}

export async function startOidcStandIn(options: StandInBaseOptions, profile: StandInProfile): Promise<StandIn> {
  const { kid, name } = profile
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true })
  const signingJwk = { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' }
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' }

  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => { res.statusCode = 503; res.end() }
  const server = createServer((req, res) => handler(req, res))
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as AddressInfo
  const issuer = `http://${options.host ?? '127.0.0.1'}:${port}`

  const own = profile.configuration
  const client = profile.loginClient
  const configuration: Configuration = {
    ...own,
    clients: [
      {
        client_id: client.clientId,
        token_endpoint_auth_method: 'private_key_jwt',
        jwks: { keys: [client.publicJwk as never] },
        redirect_uris: client.redirectUris,
        post_logout_redirect_uris: client.postLogoutRedirectUris,
        response_types: ['code'],
        grant_types: ['authorization_code'],
      },
      ...(own.clients ?? []),
    ],
    jwks: { keys: [signingJwk as never] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    pkce: { required: () => true },
    // HelseID and ID-porten put the identity claims in the ID token
    conformIdTokenClaims: false,
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    features: {
      ...own.features,
      devInteractions: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        // single logout: the stand-in ends its session without a second question (neither provider asks one)
        logoutSource: (ctx, form) => {
          ctx.body = `<!doctype html><html lang="nb"><head><title>Logger ut</title></head><body>${form.replace('</form>', `<input type="hidden" name="logout" value="yes"><button>Logg ut av ${name} (demo)</button></form>`)}<script>document.forms[0].submit()</script></body></html>`
        },
      },
    },
    // the stand-in answers no one but its own demo and tests: errors in plain words
    renderError: (ctx, out) => { ctx.type = 'text/plain'; ctx.body = `${out.error}: ${out.error_description ?? ''}` },
  }
  const provider = new Provider(issuer, configuration)
  if (options.tamperIdToken) tamperTokens(provider, options.tamperIdToken, privateKey, kid)

  const providerCallback = provider.callback()
  handler = (req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/'
    if (path.startsWith('/interaction/')) {
      interaction(provider, profile, req, res).catch(() => { if (!res.headersSent) { res.statusCode = 500; res.end('interaction failed') } })
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

function tamperTokens(provider: Provider, tamper: (p: JWTPayload) => JWTPayload, key: CryptoKey, kid: string): void {
  provider.use(async (ctx, next) => {
    await next()
    const body = ctx.body as { id_token?: unknown } | undefined
    if (ctx.path !== '/token' || typeof body?.id_token !== 'string') return
    body.id_token = await new SignJWT(tamper(decodeJwt(body.id_token))).setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' }).sign(key)
  })
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

/** The stand-in's login page: a test person's login, no password. */
async function interaction(provider: Provider, profile: StandInProfile, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const details = await provider.interactionDetails(req, res)
  if (req.method === 'POST') {
    const login = profile.loginOf(new URLSearchParams(await bodyOf(req)).get('login')?.trim() ?? '')
    if (!login) return page(res, profile, details.uid, 'Ukjent testperson. / Unknown test person.')
    await provider.interactionFinished(req, res, {
      login,
      consent: { grantId: await grantFor(provider, details, login.accountId) },
    }, { mergeWithLastSubmission: false })
    return
  }
  if (details.prompt.name === 'consent' && details.session?.accountId) {
    // neither HelseID (of health personnel) nor ID-porten (for a login) asks consent: the grant is the login's
    await provider.interactionFinished(req, res, { consent: { grantId: await grantFor(provider, details, details.session.accountId) } }, { mergeWithLastSubmission: true })
    return
  }
  page(res, profile, details.uid)
}

async function grantFor(provider: Provider, details: Awaited<ReturnType<Provider['interactionDetails']>>, accountId: string): Promise<string> {
  const grant = details.grantId ? await provider.Grant.find(details.grantId) : undefined
  const g = grant ?? new provider.Grant({ accountId, clientId: String(details.params.client_id) })
  g.addOIDCScope(String(details.params.scope ?? 'openid'))
  return g.save()
}

function page(res: ServerResponse, { name, page: { people, style } }: StandInProfile, uid: string, problem?: string): void {
  res.setHeader('content-type', 'text/html; charset=utf-8')
  res.setHeader('cache-control', 'no-store')
  res.end(`<!doctype html>
<html lang="nb"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${name} (demo) – logg inn</title>
<style>${style}</style>
</head><body><main>
<h1>${name} (demo)</h1>
<p>Lokal erstatning for ${name}, bare for demo og test. Testpersoner: ${people}.</p>
<p lang="en">A local ${name} stand-in for demo and tests only.</p>
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
