import type { IdPortenLevel } from './id-porten.js'

/**
 * Test citizens of the ID-porten stand-in (issue 25). National ids are the
 * demo seed's synthetic ones (packages/db demo-seed.ts): Kari Nordmann, the
 * demo patient, with BankID (high) and with MinID (substantial, refused where
 * the tenant asks for high), Ola Hansen, a patient the municipality has not
 * given a login, and a person who is no one's patient: the last two refused.
 */
export interface TestCitizen {
  /** What one types at the stand-in's login page. */
  login: string
  name: string
  nationalId: string
  level: IdPortenLevel
  /** How the person logged in (ID-porten's `amr`). */
  method: 'BankID' | 'MinID'
}

export const STAND_IN_CITIZENS: readonly TestCitizen[] = [
  { login: 'kari', name: 'Kari Nordmann', nationalId: '12814112355', level: 'idporten-loa-high', method: 'BankID' },
  { login: 'kari-minid', name: 'Kari Nordmann', nationalId: '12814112355', level: 'idporten-loa-substantial', method: 'MinID' },
  { login: 'ola', name: 'Ola Hansen', nationalId: '03823823400', level: 'idporten-loa-high', method: 'BankID' },
  { login: 'ukjent', name: 'Ulf Ukjent', nationalId: '01017012345', level: 'idporten-loa-high', method: 'BankID' },
]
