import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { addHandoverNote, seedDemo } from '../src/index.js'
import { startTestDatabase, type TestDatabase } from '../src/testing.js'

// Only in the vitest project node-postgres, as the platform's least-privileged
// role (migration 0009): a handover note is kept as written (migration 0033,
// docs/decisions/0034). The platform adds notes; it cannot change or delete one.
let db: TestDatabase

beforeAll(async () => {
  db = await startTestDatabase()
  await seedDemo(db.pool)
})
afterAll(async () => db?.stop())

const failure = async (sql: string, params: unknown[]): Promise<string | null> => {
  try {
    await db.pool.query(sql, params)
    return null
  } catch (err) {
    return (err as { code?: string }).code ?? String(err)
  }
}

describe('handover notes on a real server', () => {
  it('are added by the platform and never rewritten or deleted by it', async () => {
    const { rows } = await db.pool.query<{ patient: string; nurse: string }>(
      `SELECT c.patient_id AS patient, c.user_id AS nurse FROM care_team_members c JOIN users u ON u.id = c.user_id
        WHERE u.username = 'sykepleier' LIMIT 1`)
    const { patient, nurse } = rows[0]!
    const note = await addHandoverNote(db.pool, { tenantId: 'demo', patientId: patient, authorUserId: nurse, text: 'Sov godt i natt.' })
    expect(note).toMatchObject({ patientId: patient, text: 'Sov godt i natt.', author: { id: nurse } })
    expect(await failure('UPDATE handover_notes SET text = $2 WHERE id = $1', [note.id, 'endret'])).toBe('42501')
    expect(await failure('DELETE FROM handover_notes WHERE id = $1', [note.id])).toBe('42501')
    expect((await db.pool.query('SELECT text FROM handover_notes WHERE id = $1', [note.id])).rows).toEqual([{ text: 'Sov godt i natt.' }])
  })
})
