import type { Queryable } from './pool.js'

export interface UserCredentials {
  userId: string
  tenantId: string
  passwordHash: string
  isDemo: boolean
  isDisabled: boolean
}

export async function findUserCredentials(db: Queryable, username: string): Promise<UserCredentials | null> {
  const { rows } = await db.query<{ id: string; tenant_id: string; password_hash: string; is_demo: boolean; disabled_at: Date | null }>(
    'SELECT id, tenant_id, password_hash, is_demo, disabled_at FROM users WHERE username = $1',
    [username],
  )
  const r = rows[0]
  return r
    ? { userId: r.id, tenantId: r.tenant_id, passwordHash: r.password_hash, isDemo: r.is_demo, isDisabled: r.disabled_at !== null }
    : null
}
