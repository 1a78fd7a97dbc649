import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { decodeJwt, exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose'
import Provider, { type Configuration } from 'oidc-provider'
import { STAND_IN_CITIZENS, type TestCitizen } from './id-porten-citizens.js'
import { ID_PORTEN_LEVELS } from './id-porten.js'

/**
 * A local ID-porten for demo mode and tests (issue 25; docs/decisions/0039):
 * the same certified provider as the HelseID stand-in (`oidc-provider`), set
 * up as ID-porten behaves where Varde depends on it — authorization code with
 * PKCE (S256 only), `private_key_jwt`, `pid` and `acr`
 * (`idporten-loa-substantial` / `idporten-loa-high`) in the ID token,
 * `acr_values` honoured, RP-initiated logout. Its own issuer, as ID-porten is
 * not HelseID. Its login page takes a test citizen's login (id-porten-citizens.ts):
 * no BankID, no MinID, no population register behind it.
 */
export interface IdPortenStandInOptions {
  port?: number
  host?: string
  client: { clientId: string; redirectUris: string[]; postLogoutRedirectUris: string[]; publicJwk: JWK }
  citizens?: readonly TestCitizen[]
  /** Tests of a misbehaving provider: rewrites each ID token's claims and signs it again with the provider's key. Never in demo mode. */
  tamperIdToken?: (payload: JWTPayload) => JWTPayload
}

export interface IdPortenStandIn {
  issuer: string
  close(): Promise<void>
}

export async function startIdPortenStandIn(options: IdPortenStandInOptions): Promise<IdPortenStandIn> {
  const citizens = options.citizens ?? STAND_IN_CITIZENS
  const { privateKey } = await generateKeyPair('RS256', { extractable: true })
  const signingJwk = { ...(await exportJWK(privateKey)), kid: 'idporten-stand-in-1', alg: 'RS256', use: 'sig' }

  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => { res.statusCode = 503; res.end() }
  const server = createServer((req, res) => handler(req, res))
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as AddressInfo
  const issuer = `http://${options.host ?? '127.0.0.1'}:${port}`

  const configuration: Configuration = {
    clients: [{
      client_id: options.client.clientId,
      token_endpoint_auth_method: 'private_key_jwt',
      jwks: { keys: [options.client.publicJwk as never] },
      redirect_uris: options.client.redirectUris,
      post_logout_redirect_uris: options.client.postLogoutRedirectUris,
      response_types: ['code'],
      grant_types: ['authorization_code'],
    }],
    jwks: { keys: [signingJwk as never] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    pkce: { required: () => true },
    acrValues: [...ID_PORTEN_LEVELS],
    // ID-porten puts pid in the ID token
    conformIdTokenClaims: false,
    scopes: ['openid', 'profile'],
    claims: { openid: ['sub', 'pid'], acr: null, amr: null, profile: ['locale'] },
    findAccount: (_ctx, id) => {
      const citizen = citizens.find((c) => c.login === id)
      if (!citizen) return undefined
      return { accountId: id, claims: () => ({ sub: pseudonymOf(citizen), pid: citizen.nationalId, locale: 'nb' }) }
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    ttl: { IdToken: 300, Interaction: 600, Session: 3600, Grant: 3600, AuthorizationCode: 60, AccessToken: 300 },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: (ctx, form) => {
          ctx.body = `<!doctype html><html lang="nb"><head><title>Logger ut</title></head><body>${form.replace('</form>', '<input type="hidden" name="logout" value="yes"><button>Logg ut av ID-porten (demo)</button></form>')}<script>document.forms[0].submit()</script></body></html>`
        },
      },
    },
    renderError: (ctx, out) => { ctx.type = 'text/plain'; ctx.body = `${out.error}: ${out.error_description ?? ''}` },
  }
  const provider = new Provider(issuer, configuration)
  if (options.tamperIdToken) {
    const tamper = options.tamperIdToken
    provider.use(async (ctx, next) => {
      await next()
      const body = ctx.body as { id_token?: unknown } | undefined
      if (ctx.path !== '/token' || typeof body?.id_token !== 'string') return
      body.id_token = await new SignJWT(tamper(decodeJwt(body.id_token))).setProtectedHeader({ alg: 'RS256', kid: 'idporten-stand-in-1', typ: 'JWT' }).sign(privateKey)
    })
  }
  const providerCallback = provider.callback()
  handler = (req, res) => {
    if ((req.url ?? '/').startsWith('/interaction/')) {
      interaction(provider, citizens, req, res).catch(() => { if (!res.headersSent) { res.statusCode = 500; res.end('interaction failed') } })
      return
    }
    providerCallback(req, res)
  }
  return { issuer, close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()) }) }
}

/** ID-porten's `sub` is a pseudonym per client; the stand-in's is stable per test login. */
const pseudonymOf = (citizen: TestCitizen) => Buffer.from(`idporten-${citizen.login}`).toString('base64url')

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

/** The stand-in's login page: a test citizen's login, no password; the level is the citizen's (BankID high, MinID substantial). */
async function interaction(provider: Provider, citizens: readonly TestCitizen[], req: IncomingMessage, res: ServerResponse): Promise<void> {
  const details = await provider.interactionDetails(req, res)
  if (req.method === 'POST') {
    const login = new URLSearchParams(await bodyOf(req)).get('login')?.trim() ?? ''
    const citizen = citizens.find((c) => c.login === login)
    if (!citizen) return page(res, details.uid, 'Ukjent testperson. / Unknown test person.')
    await provider.interactionFinished(req, res, {
      login: { accountId: citizen.login, acr: citizen.level, amr: [citizen.method] },
      consent: { grantId: await grantFor(provider, details, citizen.login) },
    }, { mergeWithLastSubmission: false })
    return
  }
  if (details.prompt.name === 'consent' && details.session?.accountId) {
    // ID-porten asks no consent for a login: the grant is the login's
    await provider.interactionFinished(req, res, { consent: { grantId: await grantFor(provider, details, details.session.accountId) } }, { mergeWithLastSubmission: true })
    return
  }
  page(res, details.uid)
}

async function grantFor(provider: Provider, details: Awaited<ReturnType<Provider['interactionDetails']>>, accountId: string): Promise<string> {
  const grant = details.grantId ? await provider.Grant.find(details.grantId) : undefined
  const g = grant ?? new provider.Grant({ accountId, clientId: String(details.params.client_id) })
  g.addOIDCScope(String(details.params.scope ?? 'openid'))
  return g.save()
}

function page(res: ServerResponse, uid: string, problem?: string): void {
  res.setHeader('content-type', 'text/html; charset=utf-8')
  res.setHeader('cache-control', 'no-store')
  res.end(`<!doctype html>
<html lang="nb"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>ID-porten (demo) – logg inn</title>
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;color:#1a1a1a;font-size:1.125rem}label,input,button{display:block;font-size:1.125rem;margin:.5rem 0}input{padding:.6rem;width:100%;box-sizing:border-box}button{padding:.7rem 1.2rem;background:#0b5394;color:#fff;border:0;border-radius:4px}p.problem{color:#a30000}</style>
</head><body><main>
<h1>ID-porten (demo)</h1>
<p>Lokal erstatning for ID-porten, bare for demo og test. Testpersoner: kari (BankID), kari-minid (MinID), ola, ukjent.</p>
<p lang="en">A local ID-porten stand-in for demo and tests only.</p>
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
