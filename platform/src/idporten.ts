import type { PlatformConfig } from '@varde/config'
import type { IdPortenOptions } from '@varde/server'
import { exportJWK, generateKeyPair } from 'jose'
import type { Logger } from 'pino'

const CALLBACK = '/api/session/idporten/callback'

/**
 * Patients' ID-porten login for the server part (issue 25; docs/decisions/0039):
 * a configured provider (VARDE_IDPORTEN_*), or in demo mode the local
 * stand-in on loopback with a key pair made for this run (its test citizens
 * are the demo patient Kari Nordmann and three to be refused). The callbacks
 * are registered for each origin the portal is reached by, as for HelseID.
 */
export async function startIdPortenLogin(config: PlatformConfig, logger: Logger): Promise<{ options: IdPortenOptions | undefined; stop: () => Promise<void> }> {
  const origins = [...new Set([config.publicUrl, ...(config.mode === 'demo' ? [`http://127.0.0.1:${config.httpPort}`, `http://localhost:${config.httpPort}`] : [])])]
  const redirectUris = origins.map((o) => `${o}${CALLBACK}`)
  const c = config.idPorten
  if (c.kind === 'off') return { options: undefined, stop: async () => {} }
  if (c.kind === 'provider') return { options: { issuer: c.issuer, clientId: c.clientId, clientJwk: c.clientJwk, redirectUris }, stop: async () => {} }
  const { startIdPortenStandIn } = await import('@varde/helseid/id-porten-stand-in') // oidc-provider only where the stand-in runs
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true })
  const standIn = await startIdPortenStandIn({
    port: c.port, host: '127.0.0.1',
    client: {
      clientId: 'varde-demo', redirectUris, postLogoutRedirectUris: origins.map((o) => `${o}/login`),
      publicJwk: { ...(await exportJWK(publicKey)), kid: 'varde-demo', alg: 'ES256' },
    },
  })
  logger.info({ part: 'idporten-stand-in', issuer: standIn.issuer }, 'ID-porten stand-in (demo) started')
  return {
    options: { issuer: standIn.issuer, clientId: 'varde-demo', clientJwk: { ...(await exportJWK(privateKey)), kid: 'varde-demo', alg: 'ES256' }, redirectUris },
    stop: () => standIn.close(),
  }
}
