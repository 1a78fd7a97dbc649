import { describe, expect, it } from 'vitest'
import { HELSEID_CLAIMS, identityOf } from './claims.js'
import { STAND_IN_PERSONNEL } from './personnel.js'

const trustFramework = STAND_IN_PERSONNEL.find((p) => p.login === 'sykepleier')!.trustFramework!
const claims = (extra: Record<string, unknown> = {}) => ({
  sub: 's', [HELSEID_CLAIMS.hprNumber]: '9100001', [HELSEID_CLAIMS.securityLevel]: '4', [HELSEID_CLAIMS.pidPseudonym]: 'cA==', ...extra,
})

describe('identityOf (HelseID claims, trust framework)', () => {
  it('reads HelseID\'s claims and the trust framework\'s parameters, as an object, a list or a JSON string', () => {
    for (const details of [trustFramework, [{ type: 'other' }, trustFramework], JSON.stringify(trustFramework)]) {
      expect(identityOf(claims({ authorization_details: details }))).toEqual({
        identity: { subject: 's', hprNumber: '9100001', pidPseudonym: 'cA==', securityLevel: 4, organisation: '999888777', name: null, trustFramework },
      })
    }
  })

  it('takes a login without parameters or HPR number, and a nonsense security level as none', () => {
    expect(identityOf({ sub: 's', [HELSEID_CLAIMS.securityLevel]: 'high' })).toMatchObject({ identity: { hprNumber: null, securityLevel: null, trustFramework: null } })
  })

  it.each([
    ['without the point of care', { ...trustFramework, practitioner: { legal_entity: trustFramework.practitioner.legal_entity } }],
    ['with a purpose of use without code', { ...trustFramework, care_relationship: { purpose_of_use: { system: 'x' } } }],
    ['that is no JSON', '{"type": "nhn:tillitsrammeverk:parameters"'],
  ])('refuses parameters %s', (_what, details) => {
    expect(identityOf(claims({ authorization_details: details }))).toEqual({ problem: 'trust-framework-invalid' })
  })
})
