import { findGatewayCredentials, listAccessLog, seedDemo, verifySecret, type DemoHome } from '@varde/db'
import { startTestDatabase, type TestDatabase } from '@varde/db/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../src/gateway-cli.js'

// `npm run varde -- gateway …` against a real database, as an operator runs it.
let db: TestDatabase
let homes: DemoHome[]
let patientId: string

beforeAll(async () => {
  db = await startTestDatabase()
  homes = await seedDemo(db.pool)
  patientId = (await db.pool.query<{ id: string }>(`INSERT INTO patients (tenant_id, display_name) VALUES ('demo', 'CLI Pasient') RETURNING id`)).rows[0]!.id
})
afterAll(async () => db?.stop())

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = []
  const err: string[] = []
  const code = await runCli(argv, { DATABASE_URL: db.url }, { out: (l) => out.push(l), err: (l) => err.push(l) })
  return { code, out: out.join('\n'), err: err.join('\n') }
}

describe('varde gateway', () => {
  it('creates a gateway for a patient, prints its secret once, and audits it as the CLI', async () => {
    const r = await cli('gateway', 'create', '--tenant', 'demo', '--patient', patientId, '--id', 'cli-gw-1', '--json')
    expect(r.code).toBe(0)
    const { id, secret } = JSON.parse(r.out) as { id: string; secret: string }
    expect(id).toBe('cli-gw-1')
    expect(await verifySecret((await findGatewayCredentials(db.pool, id))?.secretHash, secret)).toBe(true)
    expect((await listAccessLog(db.pool, { tenantId: 'demo', limit: 1 }))[0]).toMatchObject({ action: 'gateway.create', resourceId: 'cli-gw-1', actor: expect.stringMatching(/^cli:/) })
    const list = await cli('gateway', 'list', '--tenant', 'demo')
    expect(list.out).toContain('cli-gw-1')
    expect(list.out).not.toContain(secret)
  })

  it('rotates, pairs and revokes', async () => {
    const home = homes[0]!
    const rotated = await cli('gateway', 'rotate', home.gatewayId, '--tenant', 'demo')
    expect(rotated.code).toBe(0)
    const secret = /secret:\s+(\S+)/.exec(rotated.out)?.[1]
    expect(await verifySecret((await findGatewayCredentials(db.pool, home.gatewayId))?.secretHash, secret ?? '')).toBe(true)
    expect((await cli('gateway', 'pair', home.gatewayId, '--device', 'AA:BB', '--tenant', 'demo')).code).toBe(0)
    expect((await cli('gateway', 'list', '--tenant', 'demo')).out).toMatch(new RegExp(`${home.gatewayId}.*devices: AA:BB`))
    expect((await cli('gateway', 'revoke', home.gatewayId, '--tenant', 'demo')).out).toBe(`${home.gatewayId} revoked.`)
    expect((await findGatewayCredentials(db.pool, home.gatewayId))?.isRevoked).toBe(true)
  })

  it('reads through the access layer too: listing leaves an access-log entry as the CLI', async () => {
    expect((await cli('gateway', 'list', '--tenant', 'demo')).code).toBe(0)
    expect((await listAccessLog(db.pool, { tenantId: 'demo', limit: 1 }))[0]).toMatchObject({
      action: 'gateway.list', resourceType: 'Gateway', outcome: 'allowed', actor: expect.stringMatching(/^cli:/),
    })
  })

  it('answers mistakes with a message and a non-zero exit code', async () => {
    expect(await cli('gateway', 'revoke', 'no-such-gw', '--tenant', 'demo')).toMatchObject({ code: 1, err: expect.stringContaining('not-found') })
    expect(await cli('gateway', 'revoke', homes[1]!.gatewayId, '--tenant', 'other')).toMatchObject({ code: 1 })
    expect(await cli('gateway', 'create', '--tenant', 'demo')).toMatchObject({ code: 2, err: expect.stringContaining('--patient is required') })
    expect(await runCli(['gateway', 'list', '--tenant', 'demo'], {}, { out: () => {}, err: () => {} })).toBe(2)
    expect(await cli('gateway', 'explode', '--tenant', 'demo')).toMatchObject({ code: 2 })
  })
})
