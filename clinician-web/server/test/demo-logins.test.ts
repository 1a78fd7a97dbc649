import { DEMO_PATIENTS, seedDemo } from '@varde/db'
import { startTestDatabase, type TestDatabase } from '@varde/db/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServerStack, type ServerStack } from './server-stack.js'

// platform-contract.md "Demo mode": every demo login works, and a role alone
// grants no health data — the privacy officer and the patient's own login see
// no patient through the care team's API; the outside GP sees exactly the
// patients whose care team they are on, Kari Nordmann among them.
let db: TestDatabase
let stack: ServerStack

beforeAll(async () => {
  db = await startTestDatabase()
  await seedDemo(db.pool)
  await seedDemo(db.pool) // a restart seeds again: nothing doubles
  stack = await startServerStack({ db, name: 'demo-logins-test' })
})
afterAll(async () => {
  await stack?.stop()
  await db?.stop()
})

const patientsOf = async (username: string): Promise<string[]> => {
  const cookie = await stack.login(username)
  const res = await fetch(`${stack.baseUrl}/api/patients`, { headers: { cookie } })
  expect(res.status).toBe(200)
  return ((await res.json()) as { items: { displayName: string }[] }).items.map((p) => p.displayName).sort()
}

describe('demo logins', () => {
  it.each([
    ['sykepleier', 'nurse'], ['lege', 'clinician'], ['admin', 'admin'],
    ['personvern', 'privacy-officer'], ['fastlege', 'gp'], ['pasient', 'patient'],
  ])('%s logs in with the demo password as %s', async (username, role) => {
    const cookie = await stack.login(username)
    const me = await fetch(`${stack.baseUrl}/api/session`, { headers: { cookie } })
    expect(await me.json()).toMatchObject({ user: { username, role }, tenant: { id: 'demo' } })
  })

  it('gives each login the patients of its care relationships and no more', async () => {
    expect(await patientsOf('sykepleier')).toHaveLength(DEMO_PATIENTS.length)
    const gpPatients = DEMO_PATIENTS.filter((p) => p.isSharedWithGp && !p.objectsToSharing).map((p) => p.displayName).sort()
    expect(await patientsOf('fastlege')).toEqual(gpPatients)
    expect(gpPatients).toContain('Kari Nordmann')
    expect(await patientsOf('personvern')).toEqual([])
    expect(await patientsOf('pasient')).toEqual([])
  })

  it('keeps the administrators\' routes for administrators', async () => {
    for (const username of ['personvern', 'fastlege', 'pasient']) {
      const cookie = await stack.login(username)
      const res = await fetch(`${stack.baseUrl}/api/admin/gateways`, { headers: { cookie } })
      expect(res.status, username).toBe(403)
    }
  })
})
