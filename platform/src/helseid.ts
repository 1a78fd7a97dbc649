import type { PlatformConfig } from '@varde/config'
import type { RelyingPartyOptions } from '@varde/server'
import { exportJWK, generateKeyPair } from 'jose'
import type { Logger } from 'pino'

const CALLBACK = '/api/session/helseid/callback'

/**
 * HelseID login for the server part (issue 24; docs/decisions/0021): a
 * configured provider (VARDE_OIDC_*), or in demo mode the local stand-in,
 * started here on loopback with a key pair made for this run (its test
 * personnel are the demo users). The portal is reached at VARDE_PUBLIC_URL
 * and, in demo mode, at 127.0.0.1 and localhost: each is a registered
 * callback, so the browser comes back where its login cookie is.
 */
export async function startHelseIdLogin(config: PlatformConfig, logger: Logger): Promise<{ options: RelyingPartyOptions | undefined; stop: () => Promise<void> }> {
  const origins = [...new Set([config.publicUrl, ...(config.mode === 'demo' ? [`http://127.0.0.1:${config.httpPort}`, `http://localhost:${config.httpPort}`] : [])])]
  const redirectUris = origins.map((o) => `${o}${CALLBACK}`)
  const oidc = config.oidc
  if (oidc.kind === 'off') return { options: undefined, stop: async () => {} }
  if (oidc.kind === 'provider') {
    return { options: { issuer: oidc.issuer, clientId: oidc.clientId, clientJwk: oidc.clientJwk, redirectUris }, stop: async () => {} }
  }
  const { startHelseIdStandIn } = await import('@varde/helseid/stand-in') // oidc-provider only where the stand-in runs
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true })
  const standIn = await startHelseIdStandIn({
    port: oidc.port, host: '127.0.0.1',
    loginClient: {
      clientId: 'varde-demo', redirectUris, postLogoutRedirectUris: origins.map((o) => `${o}/login`),
      publicJwk: { ...(await exportJWK(publicKey)), kid: 'varde-demo', alg: 'ES256' },
    },
  })
  logger.info({ part: 'helseid-stand-in', issuer: standIn.issuer }, 'HelseID stand-in (demo) started')
  return {
    options: { issuer: standIn.issuer, clientId: 'varde-demo', clientJwk: { ...(await exportJWK(privateKey)), kid: 'varde-demo', alg: 'ES256' }, redirectUris },
    stop: () => standIn.close(),
  }
}
