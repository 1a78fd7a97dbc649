import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { findPostgresBinDir, PostgresServerError } from './postgres-server.js'

let root: string
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'varde-pg-bins-'))
})
afterAll(() => rm(root, { recursive: true, force: true }))

async function fakeVersion(version: string): Promise<void> {
  await mkdir(join(root, 'lib', version, 'bin'), { recursive: true })
  for (const tool of ['initdb', 'pg_ctl']) await writeFile(join(root, 'lib', version, 'bin', tool), '')
}

describe('finding PostgreSQL for the real-server suites', () => {
  it('tells a developer without PostgreSQL what to install, instead of skipping', () => {
    const missing = (() => {
      try {
        findPostgresBinDir({}, join(root, 'nowhere'))
      } catch (err) {
        return err
      }
    })()
    expect(missing).toBeInstanceOf(PostgresServerError)
    expect(missing).toMatchObject({ code: 'postgres-not-installed' })
    expect((missing as Error).message).toContain('apt-get install postgresql')
  })

  it("takes Debian's newest version, or the directory VARDE_TEST_PG_BIN names", async () => {
    await fakeVersion('9')
    await fakeVersion('15')
    await fakeVersion('13')
    expect(findPostgresBinDir({}, join(root, 'lib'))).toBe(join(root, 'lib', '15', 'bin'))
    expect(findPostgresBinDir({ VARDE_TEST_PG_BIN: join(root, 'lib', '13', 'bin') }, join(root, 'lib'))).toBe(join(root, 'lib', '13', 'bin'))
  })
})
