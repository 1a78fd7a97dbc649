import { nationalIdCheckDigits } from '@varde/domain'
import { hashSecret } from './credentials.js'
import { DEMO_PATIENTS, DEMO_TENANT, demoGatewaySecret, type DemoHome } from './demo-seed.js'
import type { Condition } from './patients.js'
import type { Queryable } from './pool.js'

/**
 * The demo's shift (issue 20, "Realistic demo"): the demo nurse's list made up
 * to 80 patients, as a response centre nurse has (Helsedirektoratet's
 * evaluation), across COPD, heart failure, diabetes and hypertension. The 14
 * patients of DEMO_PATIENTS stay as they are (the suites and e2e specs name
 * them); these 66 come from a seeded PRNG, so every start and every machine
 * gets the same people: Norwegian names that share neither a first nor a last
 * name with the 14 (a spec's /Kari/ still finds one patient), synthetic
 * national ids (month + 80) with valid check digits, born 1928–1962.
 *
 * The story of the shift (DemoStory): a few worsening (two COPD
 * exacerbations turning red, heart-failure weight gain, a hypertensive and a
 * hyperglycaemic spell: the rules raise their episodes from the history as
 * ingest would), one patient in hospital (service paused), and one whose
 * gateway fell silent last night, so this morning's measurement is missed.
 * Seeded with the simulator only (platform start-platform.ts): the e2e suite
 * and the tests run without it and keep the 14.
 */
export const DEMO_SHIFT_SIZE = 80

/** What the shift's story does to a patient: worsening to simulate, a pause, silence since a time. */
export interface DemoStory {
  /** Worsening the simulator adds on top of the baseline (device-sim Episode kinds), started `daysAgo`. */
  episodes?: { kind: string; daysAgo: number; severity: number }[]
  /** In hospital: the service paused from `daysAgo` days ago for `days` days; no readings meanwhile. */
  pause?: { daysAgo: number; days: number; reason: string }
  /**
   * The gateway fell silent at this local hour last night (the night before the last morning whose 10:00 weight
   * deadline has passed, demo-story.ts): no readings since, not in the live feed, the morning weight missed.
   */
  silentSinceYesterdayHour?: number
}

export interface DemoShiftPatient {
  nationalId: string
  displayName: string
  birthDate: string
  conditions: Condition[]
  story: DemoStory
}

const FIRST_WOMEN = ['Bjørg', 'Sigrid', 'Ragnhild', 'Eva', 'Gerd', 'Inger', 'Magnhild', 'Turid', 'Reidun', 'Aud', 'Wenche', 'Jorunn', 'Synnøve', 'Ingeborg', 'Elin', 'Gudrun', 'Torill', 'Ellen', 'Margit', 'Unni']
const FIRST_MEN = ['Gunnar', 'Torbjørn', 'Kjell', 'Leif', 'Svein', 'Harald', 'Oddvar', 'Terje', 'Egil', 'Bjarne', 'Rolf', 'Halvor', 'Asbjørn', 'Trygve', 'Kåre', 'Øivind', 'Sverre', 'Helge', 'Reidar', 'Ottar']
const LAST = ['Solberg', 'Moen', 'Strand', 'Hagen', 'Kristoffersen', 'Jakobsen', 'Halvorsen', 'Sæther', 'Rønning', 'Myhre', 'Vik', 'Bråthen', 'Tangen',
  'Fossum', 'Engen', 'Sandvik', 'Holm', 'Rustad', 'Ødegård', 'Brekke', 'Nygård', 'Mathisen', 'Aune', 'Gundersen', 'Sunde', 'Bjerke']
/** Conditions as a municipality's list has them: mostly one, some two (COPD with heart failure, diabetes with hypertension …). */
const CONDITION_MIX: Condition[][] = [
  ['copd'], ['copd'], ['heart-failure'], ['heart-failure'], ['diabetes'], ['diabetes'], ['hypertension'], ['hypertension'], ['hypertension'],
  ['copd', 'heart-failure'], ['diabetes', 'hypertension'], ['heart-failure', 'hypertension'], ['copd', 'hypertension'],
]

/** mulberry32: a small, well-known seeded PRNG; enough for invented people, and the same on every machine. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

/** The story's parts, by position in the shift (the first of them listed; the PRNG gives the people). */
const STORIES: Record<number, { conditions?: Condition[]; story: DemoStory }> = {
  0: { conditions: ['copd'], story: { episodes: [{ kind: 'copd-exacerbation', daysAgo: 2, severity: 2.4 }] } },
  1: { conditions: ['copd', 'heart-failure'], story: { episodes: [{ kind: 'copd-exacerbation', daysAgo: 1, severity: 2 }] } },
  2: { conditions: ['heart-failure'], story: { episodes: [{ kind: 'heart-failure-decompensation', daysAgo: 3, severity: 1.2 }] } },
  3: { conditions: ['hypertension'], story: { episodes: [{ kind: 'hypertensive-episode', daysAgo: 1, severity: 1 }] } },
  4: { conditions: ['diabetes'], story: { episodes: [{ kind: 'hyperglycemia', daysAgo: 2, severity: 1 }] } },
  5: { conditions: ['heart-failure', 'hypertension'], story: { pause: { daysAgo: 3, days: 5, reason: 'Innlagt på sykehus' } } },
  6: { conditions: ['copd', 'heart-failure'], story: { silentSinceYesterdayHour: 21 } },
}

/** The 66 patients that make the demo nurse's list 80; deterministic. */
export function demoShiftPatients(): DemoShiftPatient[] {
  const random = prng(20)
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!
  const takenNames = new Set(DEMO_PATIENTS.map((p) => p.displayName))
  const takenIds = new Set(DEMO_PATIENTS.map((p) => p.nationalId))
  const out: DemoShiftPatient[] = []
  for (let i = 0; out.length < DEMO_SHIFT_SIZE - DEMO_PATIENTS.length; i++) {
    const isMan = random() < 0.45
    const displayName = `${pick(isMan ? FIRST_MEN : FIRST_WOMEN)} ${pick(LAST)}`
    if (takenNames.has(displayName)) continue
    const year = 1928 + Math.floor(random() * 35)
    const month = 1 + Math.floor(random() * 12)
    const day = 1 + Math.floor(random() * 28)
    const nationalId = syntheticNationalId(year, month, day, isMan, random, takenIds)
    takenNames.add(displayName)
    takenIds.add(nationalId)
    const story = STORIES[out.length]
    out.push({
      nationalId, displayName, birthDate: `${year}-${pad(month)}-${pad(day)}`,
      conditions: story?.conditions ?? pick(CONDITION_MIX), story: story?.story ?? {},
    })
  }
  return out
}

/** DDMMYY with month + 80 (a synthetic person: never a real one's), an individual number of 1900–1999, valid check digits. */
function syntheticNationalId(year: number, month: number, day: number, isMan: boolean, random: () => number, taken: Set<string>): string {
  for (;;) {
    let individual = Math.floor(random() * 500)
    if (individual % 2 !== (isMan ? 1 : 0)) individual = (individual + 1) % 500
    const nine = `${pad(day)}${pad(month + 80)}${pad(year % 100)}${String(individual).padStart(3, '0')}`
    const check = nationalIdCheckDigits(nine)
    if (check && !taken.has(nine + check)) return nine + check
  }
}

const pad = (n: number) => String(n).padStart(2, '0')

/** The shift's gateways: `demo-gw-015` onwards, after the 14 of DEMO_PATIENTS. */
export const demoShiftGatewayId = (index: number): string => `demo-gw-${String(DEMO_PATIENTS.length + index + 1).padStart(3, '0')}`

/**
 * Adds the shift's patients to tenant `demo` (on the demo nurse's care team; a
 * third shared with the hospital clinician), their gateways and the story's
 * pause; idempotent, a few set-based statements. Returns their homes, with the
 * story, for the history and the simulator.
 */
export async function seedDemoShift(db: Queryable, now = new Date()): Promise<(DemoHome & { story: DemoStory })[]> {
  const patients = demoShiftPatients()
  const tenant = DEMO_TENANT.id
  await db.query(
    `INSERT INTO patients (tenant_id, national_id, display_name, birth_date, conditions, is_demo, created_at)
     SELECT $1, n, d, b, c::text[], true, $6::timestamptz - interval '60 days'
       FROM unnest($2::text[], $3::text[], $4::date[], $5::text[]) AS x(n, d, b, c)
     ON CONFLICT (tenant_id, national_id) DO NOTHING`,
    [tenant, patients.map((x) => x.nationalId), patients.map((x) => x.displayName), patients.map((x) => x.birthDate),
      patients.map((x) => `{${x.conditions.join(',')}}`), now],
  )
  const ids = new Map((await db.query<{ national_id: string; id: string }>(
    'SELECT national_id, id FROM patients WHERE tenant_id = $1 AND national_id = ANY($2::text[])', [tenant, patients.map((x) => x.nationalId)],
  )).rows.map((r) => [r.national_id, r.id]))
  const patientIds = patients.map((x) => {
    const id = ids.get(x.nationalId)
    if (!id) throw new Error(`demo shift patient ${x.displayName} missing after seeding`)
    return id
  })
  await db.query(
    `INSERT INTO care_team_members (tenant_id, patient_id, user_id, relation, purpose_of_use, decision_reason)
     SELECT $1, p, u.id, CASE WHEN u.username = 'lege' THEN 'hospital' ELSE 'home-care' END, 'TREAT', 'demo data'
       FROM unnest($2::uuid[]) WITH ORDINALITY AS t(p, n) JOIN users u ON u.tenant_id = $1
            AND (u.username = 'sykepleier' OR (u.username = 'lege' AND t.n % 3 = 0))
     ON CONFLICT DO NOTHING`,
    [tenant, patientIds],
  )
  // gateways: each its own secret (demoGatewaySecret), hashed once, on the first start; argon2 runs off the main thread
  const gatewayIds = patients.map((_, i) => demoShiftGatewayId(i))
  const existing = new Set((await db.query<{ id: string }>('SELECT id FROM gateways WHERE id = ANY($1::text[])', [gatewayIds])).rows.map((r) => r.id))
  const missing = gatewayIds.map((id, i) => ({ id, patientId: patientIds[i]! })).filter((g) => !existing.has(g.id))
  if (missing.length > 0) {
    const hashes = await Promise.all(missing.map((g) => hashSecret(demoGatewaySecret(g.id))))
    await db.query(
      `INSERT INTO gateways (id, tenant_id, patient_id, secret_hash, is_demo)
       SELECT g, $1, p, h, true FROM unnest($2::text[], $3::uuid[], $4::text[]) AS x(g, p, h) ON CONFLICT (id) DO NOTHING`,
      [tenant, missing.map((g) => g.id), missing.map((g) => g.patientId), hashes],
    )
  }
  // the story's pause (a hospital stay), once
  const paused = patients.flatMap((x, i) => (x.story.pause ? [{ patientId: patientIds[i]!, ...x.story.pause }] : []))
  for (const p of paused) {
    await db.query(
      `INSERT INTO service_pauses (tenant_id, patient_id, starts_at, ends_at, reason)
       SELECT $1, $2, $3::timestamptz, $4::timestamptz, $5 WHERE NOT EXISTS (SELECT 1 FROM service_pauses WHERE patient_id = $2)`,
      [tenant, p.patientId, new Date(now.getTime() - p.daysAgo * 86_400_000), new Date(now.getTime() + (p.days - p.daysAgo) * 86_400_000), p.reason],
    )
  }
  return patients.map((x, i) => ({
    tenantId: tenant, gatewayId: gatewayIds[i]!, secret: demoGatewaySecret(gatewayIds[i]!), patientId: patientIds[i]!, conditions: x.conditions, story: x.story,
  }))
}
