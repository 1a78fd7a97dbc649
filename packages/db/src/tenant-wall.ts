import pg from 'pg'
import type { AuditContext } from './audit.js'
import type { Queryable } from './pool.js'

/** A string literal for SQL (pg's own escaping, without a client at hand). */
const escapeLiteral = (s: string): string => pg.Client.prototype.escapeLiteral.call(null, s)

/**
 * A Queryable whose every statement runs behind the tenant wall of migration
 * 0012: in its own transaction that first sets `app.tenant_id` for the
 * transaction only (`set_config(…, true)`), so row-level security keeps it to
 * the tenant's rows. Nothing is left on the connection afterwards: a pooled
 * connection, or the embedded database's one session behind its wire gate,
 * serves the next statement without the setting. Costs two more round trips
 * per statement (BEGIN with the setting, then COMMIT).
 */
export function tenantWalled(pool: Pick<pg.Pool, 'connect'>, tenantId: string, auditContext?: AuditContext): Queryable {
  // who and from where, for the access-log entries a statement writes itself (migration 0020's chain trigger reads it)
  const context = auditContext ? `, set_config('app.audit_context', ${escapeLiteral(JSON.stringify(auditContext))}, true)` : ''
  const query = async (text: string | pg.QueryConfig, values?: unknown[]) => {
    const client = await pool.connect()
    let isBroken = false
    try {
      await client.query(`BEGIN; SELECT set_config('app.tenant_id', ${client.escapeLiteral(tenantId)}, true)${context}`)
      try {
        const result = await client.query(text as string, values)
        await client.query('COMMIT')
        return result
      } catch (error) {
        await client.query('ROLLBACK').catch(() => { isBroken = true })
        throw error
      }
    } catch (error) {
      isBroken ||= !(error as { code?: string }).code // a connection error, not the statement's: do not reuse it
      throw error
    } finally {
      client.release(isBroken)
    }
  }
  return { query } as unknown as Queryable
}

/**
 * The wall for what the server hands its access layer: a pool gets it; a
 * Queryable that is not a pool (a test's single client, a transaction the
 * caller holds) is used as it is, since a transaction of our own cannot be
 * opened on it.
 */
export function tenantWalledPool(db: Queryable, tenantId: string, auditContext?: AuditContext): Queryable {
  if (!(db instanceof pg.Pool)) return db
  const pool = db
  const walled = tenantWalled(pool, tenantId, auditContext)
  // A role that bypasses row-level security (the embedded database's superuser) is not walled by the setting:
  // there the transaction around each statement would only cost two more round trips, each holding the
  // embedded database's one session across a hop between processes (issue 15: the alert p99 under load).
  // A statement that writes its own access-log entry still needs the transaction, for app.audit_context
  // (who, why and from where; migration 0020): such statements name audit_log in their text.
  const query = async (text: string | pg.QueryConfig, values?: unknown[]) => {
    const sql = typeof text === 'string' ? text : text.text
    const needsContext = auditContext !== undefined && sql.includes('audit_log')
    return (!needsContext && await bypassesWall(pool)) ? pool.query(text as string, values) : walled.query(text as string, values)
  }
  return { query } as unknown as Queryable
}

const bypassByPool = new WeakMap<pg.Pool, Promise<boolean>>()

/** Whether the pool's role is exempt from row-level security (superuser or BYPASSRLS): asked once per pool. */
function bypassesWall(pool: pg.Pool): Promise<boolean> {
  let known = bypassByPool.get(pool)
  if (!known) {
    known = pool.query<{ bypass: boolean }>('SELECT rolsuper OR rolbypassrls AS bypass FROM pg_roles WHERE rolname = current_user')
      .then((r) => r.rows[0]?.bypass === true)
    // a failed look (the database away) is asked again next time, not remembered
    known.catch(() => bypassByPool.delete(pool))
    bypassByPool.set(pool, known)
  }
  return known
}
