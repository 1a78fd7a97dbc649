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
export function announceAlertChanges(
  changed: string, p: { change: string; at: string; topicParam: string; claimedByWriter?: boolean },
): string {
  // claimed by the writer: no relay takes the event before the writer's own has published it (or the claim has
  // run out, the writer having died): one claim statement less between the change and its event (issue 15)
  return `INSERT INTO event_outbox (topic, payload, claimed_until)
       SELECT ${p.topicParam}::text, jsonb_build_object(
                'tenantId', c.tenant_id, 'patientId', c.patient_id, 'alertId', c.id, 'change', ${p.change},
                'revision', c.revision, 'severity', c.severity, 'status', c.status, 'at', ${p.at}),
              ${p.claimedByWriter ? `now() + interval '${WRITER_CLAIM_SECONDS} seconds'` : 'NULL'}
         FROM ${changed} c
       RETURNING id::text AS outbox_id, topic AS outbox_topic, payload AS outbox_payload, (payload->>'alertId')::uuid AS alert_id`
}

/**
 * How long an event its writer claimed (`claimedByWriter`) is held from the
 * relays: the writer publishes it at once; if the writer dies first, a relay
 * takes it when this has passed.
 */
export const WRITER_CLAIM_SECONDS = 10

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

/**
 * Publishes events this process holds (claimed by their writing statement, or
 * by `claimOutboxEvents`) in id order, then deletes those the broker has and
 * those that can never be published (`build` threw), and makes the others
 * claimable again at once. At least once: a crash before the delete leaves
 * them to be published again when the claim runs out. The one place the
 * outbox relay and a writer that publishes its own events do it.
 */
export async function publishOutboxEvents(
  db: Queryable, events: readonly OutboxEvent[],
  p: { build: (event: OutboxEvent) => string; publish: (topic: string, payload: string) => Promise<void>; onInvalid?: (event: OutboxEvent, error: unknown) => void },
): Promise<{ published: number; invalid: number; unpublished: number }> {
  const messages: { id: string; topic: string; payload: string }[] = []
  const invalid: string[] = []
  for (const e of [...events].sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1))) {
    try {
      messages.push({ id: e.id, topic: e.topic, payload: p.build(e) })
    } catch (error) {
      // a row that cannot become a message never will: kept, it would block nothing but fill the table
      invalid.push(e.id)
      p.onInvalid?.(e, error)
    }
  }
  // sent in id order over one connection, so the broker gets an alert's revisions in order
  const acked = await Promise.allSettled(messages.map((m) => p.publish(m.topic, m.payload)))
  const sent = messages.filter((_, i) => acked[i]?.status === 'fulfilled').map((m) => m.id)
  const unsent = messages.filter((_, i) => acked[i]?.status !== 'fulfilled').map((m) => m.id)
  await deleteOutboxEvents(db, [...sent, ...invalid])
  await releaseOutboxEvents(db, unsent)
  return { published: sent.length, invalid: invalid.length, unpublished: unsent.length }
}
