import type { Queryable } from './pool.js'

/**
 * The outbox (migration 0011, docs/decisions/0011): an event written by the
 * statement that makes the change it announces, and published by a relay
 * afterwards. A write that must announce itself adds `announceAlertChanges`
 * as a CTE of its one statement; the relay claims, publishes, deletes.
 */

/** An event waiting to be published. */
export interface OutboxEvent {
  id: string
  topic: string
  /** The facts, as the writing statement stored them: the relay validates them with the topic's builder. */
  payload: unknown
}

/**
 * A CTE body (`INSERT … SELECT … FROM <changed>`) that puts one alert-changed
 * event per row of `changed` in the outbox. `changed` must have the columns
 * id, tenant_id, patient_id, severity, status, revision; `change` and `at`
 * are SQL expressions over them; `topicParam` the placeholder of the topic
 * (`INTERNAL_TOPICS.alertsChanged`). The keys are `AlertChangeFacts`'.
 */
export function announceAlertChanges(changed: string, p: { change: string; at: string; topicParam: string }): string {
  return `INSERT INTO event_outbox (topic, payload)
       SELECT ${p.topicParam}::text, jsonb_build_object(
                'tenantId', c.tenant_id, 'patientId', c.patient_id, 'alertId', c.id, 'change', ${p.change},
                'revision', c.revision, 'severity', c.severity, 'status', c.status, 'at', ${p.at})
         FROM ${changed} c
       RETURNING 1`
}

/**
 * Claims up to `limit` events nobody holds, oldest first, for `leaseMs`:
 * another relay skips them until then (a relay that died leaves them to run
 * out). One statement, so it works through the embedded database's wire gate.
 */
export async function claimOutboxEvents(db: Queryable, p: { limit: number; leaseMs: number }): Promise<OutboxEvent[]> {
  const { rows } = await db.query<{ id: string; topic: string; payload: unknown }>(
    `WITH next AS (
       SELECT id FROM event_outbox
        WHERE claimed_until IS NULL OR claimed_until < now()
        ORDER BY id
        LIMIT $1
        FOR UPDATE SKIP LOCKED)
     UPDATE event_outbox o SET claimed_until = now() + make_interval(secs => $2::double precision)
       FROM next WHERE o.id = next.id
     RETURNING o.id::text AS id, o.topic, o.payload`,
    [p.limit, p.leaseMs / 1000],
  )
  return rows.sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1))
}

/** The events the broker has: gone from the outbox. */
export async function deleteOutboxEvents(db: Queryable, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return
  await db.query('DELETE FROM event_outbox WHERE id = ANY($1::bigint[])', [ids])
}

/** Events not published (the broker is away): claimable again at once. */
export async function releaseOutboxEvents(db: Queryable, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return
  await db.query('UPDATE event_outbox SET claimed_until = NULL WHERE id = ANY($1::bigint[])', [ids])
}

/** Events waiting (tests, health). */
export async function countOutboxEvents(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM event_outbox')
  return rows[0]?.n ?? 0
}
