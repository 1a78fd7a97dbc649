import { hashSecret } from './credentials.js'
import { ensureRecipient } from './forwarding-outbox.js'
import type { Condition } from './patients.js'
import type { Queryable } from './pool.js'
import type { Role } from '@varde/domain'
import { seedDemoHelseIdIdentities } from './demo-helseid.js'

/**
 * Demo mode data (platform-contract.md "Demo mode"): tenant `demo`, users
 * sykepleier / lege / admin / personvern / fastlege / pasient with password
 * `demo`, and one gateway per demo
 * patient, `demo-gw-NNN` with secret `demo-gw-NNN-secret`. Every name and
 * number here is invented; national ids use the synthetic-person month
 * offset (+80) so they can never be a real person's, with valid check digits
 * (the enrolment check; migration 0017 moved the earlier, invalid ones).
 */
export const DEMO_TENANT = { id: 'demo', name: 'Demo kommune' } as const
export const DEMO_PASSWORD = 'demo'

export interface DemoUser {
  username: string
  displayName: string
  role: Role
  /** An outside practitioner's organisation (the GP practice). */
  organisationName?: string
  /** A patient login: the national id of the patient it is. */
  patientNationalId?: string
}

export const DEMO_GP_PRACTICE = 'Demo legekontor'
/** The demo GP practice's (invented) organisation number and HER-id, as a forwarding recipient. */
export const DEMO_GP_PRACTICE_ORGANISATION = { number: '999000111', herId: '9990001' } as const

export const DEMO_USERS: readonly DemoUser[] = [
  { username: 'sykepleier', displayName: 'Sara Sykepleier', role: 'nurse' },
  { username: 'lege', displayName: 'Lars Lege', role: 'clinician' },
  { username: 'admin', displayName: 'Anne Administrator', role: 'admin' },
  // log control (loggkontroll); on no care team, so reads no health data
  { username: 'personvern', displayName: 'Petra Personvern', role: 'privacy-officer' },
  // a GP outside the municipality, on the care team of the patients marked isSharedWithGp
  { username: 'fastlege', displayName: 'Frida Fastlege', role: 'gp', organisationName: DEMO_GP_PRACTICE },
  // a substitute nurse on no care team: emergency access (break the glass) in the log-control demo (issue 19)
  { username: 'vikar', displayName: 'Vera Vikar', role: 'nurse' },
  // Kari Nordmann of demo-gw-001 herself
  { username: 'pasient', displayName: 'Kari Nordmann', role: 'patient', patientNationalId: '12814112355' },
]

export interface DemoPatient {
  nationalId: string
  displayName: string
  birthDate: string
  conditions: Condition[]
  /** Shared with the hospital clinician (lege) as part of the care team. */
  isSharedWithHospital: boolean
  /** The outside GP (fastlege) is on the care team. */
  isSharedWithGp: boolean
  objectsToSharing: boolean
}

export const DEMO_PATIENTS: readonly DemoPatient[] = [
  p('12814112355', 'Kari Nordmann', '1941-01-12', ['copd'], true, false, true),
  p('03823823400', 'Ola Hansen', '1938-02-03', ['heart-failure'], true, false, true),
  p('24855234501', 'Ingrid Johansen', '1952-05-24', ['diabetes'], false, false, true),
  p('15874745615', 'Per Olsen', '1947-07-15', ['hypertension'], false, false, true),
  p('30893656711', 'Astrid Larsen', '1936-09-30', ['copd', 'heart-failure'], true),
  p('07904467876', 'Knut Andersen', '1944-10-07', ['heart-failure', 'hypertension'], true),
  p('19915078969', 'Solveig Pedersen', '1950-11-19', ['diabetes', 'hypertension']),
  p('11924289130', 'Arne Nilsen', '1942-12-11', ['copd']),
  p('05813990220', 'Berit Kristiansen', '1939-01-05', ['heart-failure'], true, true),
  p('22834801233', 'Jon Jensen', '1948-03-22', ['hypertension']),
  p('09865512470', 'Liv Karlsen', '1955-06-09', ['diabetes']),
  p('28884323411', 'Erling Berg', '1943-08-28', ['copd', 'diabetes'], true),
  p('16903734535', 'Randi Haugen', '1937-10-16', ['heart-failure', 'diabetes'], true),
  p('02924645604', 'Odd Eriksen', '1946-12-02', ['hypertension', 'copd']),
]

function p(
  nationalId: string, displayName: string, birthDate: string, conditions: Condition[], isSharedWithHospital = false, objectsToSharing = false, isSharedWithGp = false,
): DemoPatient {
  return { nationalId, displayName, birthDate, conditions, isSharedWithHospital, objectsToSharing, isSharedWithGp }
}

export const demoGatewayId = (index: number): string => `demo-gw-${String(index + 1).padStart(3, '0')}`
export const demoGatewaySecret = (gatewayId: string): string => `${gatewayId}-secret`

/**
 * The second tenant of demo mode (platform-contract.md "Demo mode"): `nabo`,
 * its own users, patients and gateways, so that isolation between
 * municipalities can be seen and tested. Names invented; national ids are
 * synthetic (month +80) and valid by their check digits.
 */
export const NABO_TENANT = { id: 'nabo', name: 'Nabo kommune' } as const

/** The demo tenants' (invented) municipality numbers and organisation numbers, as a PMD sender. */
export const DEMO_TENANT_NUMBERS: Readonly<Record<string, { municipality: string; organisation: string }>> = {
  demo: { municipality: '9999', organisation: '999888777' },
  nabo: { municipality: '9998', organisation: '999888700' },
}

export const NABO_USERS: readonly DemoUser[] = [
  { username: 'nabo-sykepleier', displayName: 'Nina Nabosykepleier', role: 'nurse' },
  { username: 'nabo-admin', displayName: 'Nils Naboadmin', role: 'admin' },
  // Vera Vikar of demo works shifts here too: one HelseID person, a user in both tenants, who picks one at login (issue 24)
  { username: 'nabo-vikar', displayName: 'Vera Vikar', role: 'nurse' },
]

export const NABO_PATIENTS: readonly DemoPatient[] = [
  p('14834512387', 'Hilde Dahl', '1945-03-14', ['copd']),
  p('21864023425', 'Tor Lund', '1940-06-21', ['heart-failure']),
  p('08895134555', 'Marit Bakken', '1951-09-08', ['diabetes', 'hypertension']),
]

export const naboGatewayId = (index: number): string => `nabo-gw-${String(index + 1).padStart(3, '0')}`

/** Everything one demo tenant consists of; the nurse (first user) is on every patient's care team. */
interface DemoTenantSpec {
  tenant: { id: string; name: string }
  users: readonly DemoUser[]
  patients: readonly DemoPatient[]
  gatewayId: (index: number) => string
  /** The care team of a patient besides nobody: [username, relation] pairs. */
  teamOf: (patient: DemoPatient) => [string, string][]
}

const DEMO_SPEC: DemoTenantSpec = {
  tenant: DEMO_TENANT, users: DEMO_USERS, patients: DEMO_PATIENTS, gatewayId: demoGatewayId,
  teamOf: (patient) => {
    const team: [string, string][] = [['sykepleier', 'home-care']]
    if (patient.isSharedWithHospital) team.push(['lege', 'hospital'])
    if (patient.isSharedWithGp) team.push(['fastlege', 'gp'])
    return team
  },
}

const NABO_SPEC: DemoTenantSpec = {
  tenant: NABO_TENANT, users: NABO_USERS, patients: NABO_PATIENTS, gatewayId: naboGatewayId,
  teamOf: () => [['nabo-sykepleier', 'home-care']],
}

export interface DemoHome {
  tenantId: string
  gatewayId: string
  secret: string
  patientId: string
  conditions: Condition[]
}

/** Creates the demo tenant, users, patients, care teams and gateways; idempotent, so a restart keeps everything. */
export async function seedDemo(db: Queryable): Promise<DemoHome[]> {
  const homes = await seedTenant(db, DEMO_SPEC)
  await seedDemoHelseIdIdentities(db) // the HelseID stand-in's test personnel are these users (issue 24)
  return homes
}

/** Creates the second demo tenant `nabo` (its users, patients, care team and gateways); idempotent. */
export async function seedNabo(db: Queryable): Promise<DemoHome[]> {
  const homes = await seedTenant(db, NABO_SPEC)
  await seedDemoHelseIdIdentities(db) // nabo-vikar is demo's vikar, the same HelseID person
  return homes
}

/** Demo mode's data: both tenants, `demo` first. */
export async function seedDemoTenants(db: Queryable): Promise<{ demo: DemoHome[]; nabo: DemoHome[] }> {
  return { demo: await seedDemo(db), nabo: await seedNabo(db) }
}

async function seedTenant(db: Queryable, spec: DemoTenantSpec): Promise<DemoHome[]> {
  const { tenant } = spec
  await db.query(`INSERT INTO tenants (id, name, is_demo) VALUES ($1, $2, true) ON CONFLICT (id) DO NOTHING`, [tenant.id, tenant.name])
  // a PMD recipient needs the sender's municipality and organisation number (migration 0019; issue 18): invented,
  // demo's the one the HelseID stand-in names as its legal entity; kept where an operator has set them
  const numbers = DEMO_TENANT_NUMBERS[tenant.id]
  if (numbers) {
    await db.query(`UPDATE tenants SET municipality_number = coalesce(municipality_number, $2), organisation_number = coalesce(organisation_number, $3) WHERE id = $1`,
      [tenant.id, numbers.municipality, numbers.organisation])
  }
  const existingUsers = new Set(
    (await db.query<{ username: string }>('SELECT username FROM users WHERE tenant_id = $1', [tenant.id])).rows.map((r) => r.username),
  )
  const passwordHash = existingUsers.size < spec.users.length ? await hashSecret(DEMO_PASSWORD) : ''
  await db.query(
    `INSERT INTO patients (tenant_id, national_id, display_name, birth_date, conditions, objects_to_sharing, is_demo)
     SELECT $1, n, d, b, c::text[], o, true FROM unnest($2::text[], $3::text[], $4::date[], $5::text[], $6::boolean[]) AS x(n, d, b, c, o)
     ON CONFLICT (tenant_id, national_id) DO NOTHING`,
    [
      tenant.id, spec.patients.map((x) => x.nationalId), spec.patients.map((x) => x.displayName),
      spec.patients.map((x) => x.birthDate), spec.patients.map((x) => `{${x.conditions.join(',')}}`),
      spec.patients.map((x) => x.objectsToSharing),
    ],
  )
  const patientIds = new Map(
    (await db.query<{ national_id: string; id: string }>('SELECT national_id, id FROM patients WHERE tenant_id = $1', [tenant.id])).rows.map((r) => [r.national_id, r.id]),
  )
  // after the patients: a patient login points at its patient
  for (const u of spec.users) {
    if (existingUsers.has(u.username)) continue
    const patientId = u.patientNationalId ? patientIds.get(u.patientNationalId) : undefined
    if (u.patientNationalId && !patientId) throw new Error(`demo user ${u.username}: patient missing after seeding`)
    await db.query(
      `INSERT INTO users (tenant_id, username, display_name, role, password_hash, is_demo, organisation_name, patient_id)
       VALUES ($1, $2, $3, $4, $5, true, $6, $7)
       ON CONFLICT (username) DO NOTHING`,
      [tenant.id, u.username, u.displayName, u.role, passwordHash, u.organisationName ?? null, patientId ?? null],
    )
  }
  const users = new Map(
    (await db.query<{ username: string; id: string }>('SELECT username, id FROM users WHERE tenant_id = $1', [tenant.id])).rows.map((r) => [r.username, r.id]),
  )
  // platform-contract.md "Forwarding (demo mode)": the GP practice receives what its GP's patients send;
  // no base URL stored (VARDE_DEMO_GP_FHIR_URL, else the receiver built into demo mode)
  const gpPractice = tenant.id !== DEMO_TENANT.id ? null : await ensureRecipient(db, {
    tenantId: DEMO_TENANT.id, name: DEMO_GP_PRACTICE, organisationNumber: DEMO_GP_PRACTICE_ORGANISATION.number,
    herId: DEMO_GP_PRACTICE_ORGANISATION.herId, baseUrl: null, isDemo: true,
  })
  // a data directory seeded before migration 0013: the GP's relationships forward to the practice too
  if (gpPractice) {
    await db.query(`UPDATE care_team_members SET recipient_id = $1 WHERE tenant_id = $2 AND user_id = $3 AND relation = 'gp' AND recipient_id IS NULL`,
      [gpPractice, DEMO_TENANT.id, users.get('fastlege')])
  }
  const homes: DemoHome[] = []
  const existingGateways = new Set(
    (await db.query<{ id: string }>('SELECT id FROM gateways WHERE tenant_id = $1', [tenant.id])).rows.map((r) => r.id),
  )
  for (const [index, patient] of spec.patients.entries()) {
    const patientId = patientIds.get(patient.nationalId)
    if (!patientId) throw new Error(`demo patient ${index} of ${tenant.id} missing after seeding`)
    const gatewayId = spec.gatewayId(index)
    const secret = demoGatewaySecret(gatewayId)
    if (!existingGateways.has(gatewayId)) {
      await db.query(
        `INSERT INTO gateways (id, tenant_id, patient_id, secret_hash, is_demo) VALUES ($1, $2, $3, $4, true) ON CONFLICT (id) DO NOTHING`,
        [gatewayId, tenant.id, patientId, await hashSecret(secret)],
      )
    }
    for (const [username, relation] of spec.teamOf(patient)) {
      const isGp = relation === 'gp' && gpPractice !== null
      await db.query(
        `INSERT INTO care_team_members (tenant_id, patient_id, user_id, relation, recipient_id, organisation_name, organisation_number, her_id,
           purpose_of_use, decision_reason)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'TREAT', 'demo data') ON CONFLICT DO NOTHING`,
        [tenant.id, patientId, users.get(username), relation, isGp ? gpPractice : null, isGp ? DEMO_GP_PRACTICE : null,
          isGp ? DEMO_GP_PRACTICE_ORGANISATION.number : null, isGp ? DEMO_GP_PRACTICE_ORGANISATION.herId : null],
      )
    }
    homes.push({ tenantId: tenant.id, gatewayId, secret, patientId, conditions: patient.conditions })
  }
  return homes
}
