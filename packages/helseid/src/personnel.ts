import type { TrustFramework } from './claims.js'

/**
 * Test personnel of the HelseID stand-in, matching the demo's users by HPR
 * number (packages/db demo-seed.ts gives them the same numbers). The numbers
 * are made up, in HPR's seven-digit form; pseudonyms are made-up base64.
 * Two exist to be refused: one logged in on level 3, one without an HPR
 * number or a known pseudonym.
 */
export interface TestPerson {
  /** What one types at the stand-in's login page. */
  login: string
  name: string
  hprNumber?: string
  pidPseudonym: string
  securityLevel: '3' | '4'
  trustFramework?: TrustFramework
}

const kommune = { id: '999888777', system: 'urn:oid:2.16.578.1.12.4.1.4.101', name: 'Demo kommune' }

export const STAND_IN_PERSONNEL: readonly TestPerson[] = [
  {
    login: 'sykepleier', name: 'Sara Sykepleier', hprNumber: '9100001', pidPseudonym: 'c3lrZXBsZWllci1wc2V1ZG9ueW0=', securityLevel: '4',
    trustFramework: {
      type: 'nhn:tillitsrammeverk:parameters',
      practitioner: {
        authorization: { code: 'SP', system: 'urn:oid:2.16.578.1.12.4.1.1.9060' },
        legal_entity: kommune,
        point_of_care: { id: '999888778', system: 'urn:oid:2.16.578.1.12.4.1.4.101', name: 'Demo hjemmetjeneste' },
        department: { id: 'hjemmesykepleie-sone-1', system: 'urn:oid:2.16.578.1.12.4.1.4.102' },
      },
      care_relationship: {
        healthcare_service: { code: 'S03', system: 'urn:oid:2.16.578.1.12.4.1.1.8655' },
        purpose_of_use: { code: 'TREAT', system: 'urn:oid:2.16.840.1.113883.1.11.20448' },
        decision_ref: { id: 'vedtak-demo-1', user_selected: false },
      },
    },
  },
  { login: 'lege', name: 'Lars Lege', hprNumber: '9100002', pidPseudonym: 'bGVnZS1wc2V1ZG9ueW0=', securityLevel: '4' },
  { login: 'fastlege', name: 'Frida Fastlege', hprNumber: '9100003', pidPseudonym: 'ZmFzdGxlZ2UtcHNldWRvbnlt', securityLevel: '4' },
  // a nurse working for two municipalities: a user in demo and in nabo, who picks one after login
  { login: 'vikar', name: 'Vera Vikar', hprNumber: '9100004', pidPseudonym: 'dmlrYXItcHNldWRvbnlt', securityLevel: '4' },
  { login: 'niva3', name: 'Nils Nivå Tre', hprNumber: '9100002', pidPseudonym: 'bGVnZS1wc2V1ZG9ueW0=', securityLevel: '3' },
  { login: 'ukjent', name: 'Ulla Ukjent', pidPseudonym: 'dWtqZW50LXBzZXVkb255bQ==', securityLevel: '4' },
]
