import { STAND_IN_CITIZENS, type TestCitizen } from './id-porten-citizens.js'
import { ID_PORTEN_LEVELS } from './id-porten.js'
import { startOidcStandIn, type LoginClient, type StandIn, type StandInBaseOptions } from './oidc-stand-in.js'

/**
 * A local ID-porten for demo mode and tests (issue 25; docs/decisions/0039):
 * the stand-in provider (oidc-stand-in.ts) set up as ID-porten behaves where
 * Varde depends on it — `pid` and `acr` (`idporten-loa-substantial` /
 * `idporten-loa-high`) in the ID token, `acr_values` honoured. Its own issuer,
 * as ID-porten is not HelseID. Its login page takes a test citizen's login
 * (id-porten-citizens.ts): no BankID, no MinID, no population register behind it.
 */
export interface IdPortenStandInOptions extends StandInBaseOptions {
  client: LoginClient
  citizens?: readonly TestCitizen[]
}

export type IdPortenStandIn = Omit<StandIn, 'publicJwks'>

export function startIdPortenStandIn(options: IdPortenStandInOptions): Promise<IdPortenStandIn> {
  const citizens = options.citizens ?? STAND_IN_CITIZENS
  return startOidcStandIn(options, {
    name: 'ID-porten',
    kid: 'idporten-stand-in-1',
    loginClient: options.client,
    // the level is the citizen's (BankID high, MinID substantial)
    loginOf: (login) => {
      const citizen = citizens.find((c) => c.login === login)
      return citizen && { accountId: citizen.login, acr: citizen.level, amr: [citizen.method] }
    },
    page: {
      people: 'kari (BankID), kari-minid (MinID), ola, ukjent',
      style: 'body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;color:#1a1a1a;font-size:1.125rem}label,input,button{display:block;font-size:1.125rem;margin:.5rem 0}input{padding:.6rem;width:100%;box-sizing:border-box}button{padding:.7rem 1.2rem;background:#0b5394;color:#fff;border:0;border-radius:4px}p.problem{color:#a30000}',
    },
    configuration: {
      acrValues: [...ID_PORTEN_LEVELS],
      scopes: ['openid', 'profile'],
      claims: { openid: ['sub', 'pid'], acr: null, amr: null, profile: ['locale'] },
      findAccount: (_ctx, id) => {
        const citizen = citizens.find((c) => c.login === id)
        if (!citizen) return undefined
        return { accountId: id, claims: () => ({ sub: pseudonymOf(citizen), pid: citizen.nationalId, locale: 'nb' }) }
      },
      ttl: { IdToken: 300, Interaction: 600, Session: 3600, Grant: 3600, AuthorizationCode: 60, AccessToken: 300 },
    },
  })
}

/** ID-porten's `sub` is a pseudonym per client; the stand-in's is stable per test login. */
const pseudonymOf = (citizen: TestCitizen) => Buffer.from(`idporten-${citizen.login}`).toString('base64url')
