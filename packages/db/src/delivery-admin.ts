import type { DeliveryKind, DeliveryStatus } from './forwarding-outbox.js'
import type { Queryable } from './pool.js'

/**
 * "Del med fastlege" and the deliveries as people see them (issue 18;
 * migration 0018, docs/decisions/0023): a nurse forwards an alert now, with a
 * note, as one more row of the forwarding outbox, so the worker's send-time
 * check (may_forward_to) and its retries apply as to every delivery; the
 * patient page and the tenant administrator list the deliveries; a dead
 * letter may be put back in the queue.
 */
export type ShareFailure = 'not-found' | 'no-gp' | 'relationship-ended' | 'patient-objects'

export interface DeliveryView {
  id: string
  recipient: { id: string; name: string }
  patient: { id: string; displayName: string }
  kind: DeliveryKind
  alertId: string | null
  window: { start: Date; end: Date } | null
  status: DeliveryStatus
  attempts: number
  /** When a pending delivery is tried next (after a failure: retrying); null once settled. */
  nextAttemptAt: Date | null
  lastError: string | null
  createdAt: Date
  settledAt: Date | null
  /** A nurse's "Del med fastlege": who asked, and the note to the GP. */
  share: { byName: string | null; note: string | null } | null
  requeued: { at: Date; byName: string | null } | null
}

interface ViewRow {
  id: string; recipient_id: string; recipient_name: string; patient_id: string; patient_name: string; kind: DeliveryKind
  alert_id: string | null; window_start: Date | null; window_end: Date | null; status: DeliveryStatus; attempts: number
  next_attempt_at: Date; last_error: string | null; created_at: Date; settled_at: Date | null; note: string | null
  requested_by_user_id: string | null; requested_by_name: string | null; requeued_at: Date | null; requeued_by_name: string | null
}

const VIEW_SELECT = `
  SELECT o.id::text, o.recipient_id, r.name AS recipient_name, o.patient_id, p.display_name AS patient_name, o.kind, o.alert_id,
         o.window_start, o.window_end, o.status, o.attempts, o.next_attempt_at, o.last_error, o.created_at, o.settled_at,
         o.note, o.requested_by_user_id, q.display_name AS requested_by_name, o.requeued_at, rq.display_name AS requeued_by_name
    FROM forwarding_outbox o
    JOIN forwarding_recipients r ON r.id = o.recipient_id
    JOIN patients p ON p.id = o.patient_id
    LEFT JOIN users q ON q.id = o.requested_by_user_id
    LEFT JOIN users rq ON rq.id = o.requeued_by_user_id`

const toView = (r: ViewRow): DeliveryView => ({
  id: r.id, recipient: { id: r.recipient_id, name: r.recipient_name }, patient: { id: r.patient_id, displayName: r.patient_name },
  kind: r.kind, alertId: r.alert_id, window: r.window_start && r.window_end ? { start: r.window_start, end: r.window_end } : null,
  status: r.status, attempts: r.attempts, nextAttemptAt: r.status === 'pending' ? r.next_attempt_at : null, lastError: r.last_error,
  createdAt: r.created_at, settledAt: r.settled_at,
  share: r.requested_by_user_id ? { byName: r.requested_by_name, note: r.note } : null,
  requeued: r.requeued_at ? { at: r.requeued_at, byName: r.requeued_by_name } : null,
})

/** A tenant's deliveries newest first; of one patient, or the dead letters only. */
export async function listDeliveryViews(
  db: Queryable, q: { tenantId: string; patientId?: string; status?: DeliveryStatus; limit?: number },
): Promise<DeliveryView[]> {
  const { rows } = await db.query<ViewRow>(
    `${VIEW_SELECT}
      WHERE o.tenant_id = $1 AND ($2::uuid IS NULL OR o.patient_id = $2) AND ($3::text IS NULL OR o.status = $3)
      ORDER BY o.id DESC LIMIT $4`,
    [q.tenantId, q.patientId ?? null, q.status ?? null, q.limit ?? 100],
  )
  return rows.map(toView)
}

/** One delivery of the tenant, or null. */
export async function findDeliveryView(db: Queryable, tenantId: string, id: string): Promise<DeliveryView | null> {
  if (!/^[0-9]{1,18}$/.test(id)) return null
  const { rows } = await db.query<ViewRow>(`${VIEW_SELECT} WHERE o.tenant_id = $1 AND o.id = $2::bigint`, [tenantId, id])
  return rows[0] ? toView(rows[0]) : null
}

/**
 * Forwards an alert to the patient's GP now, with a note: a delivery to the
 * recipient of the patient's GP relationship. Refused, with the reason, when
 * the patient has no GP who receives forwarding, the relationship has ended,
 * or an objection stands against it (the same may_forward_to the worker asks
 * again at send time). The caller has checked that the actor may see the alert.
 */
export async function shareAlertWithGp(
  db: Queryable, s: { tenantId: string; alertId: string; byUserId: string; note: string | null },
): Promise<{ ok: true; delivery: DeliveryView } | { ok: false; code: ShareFailure }> {
  const alert = (await db.query<{ patient_id: string }>(`SELECT patient_id FROM alerts WHERE tenant_id = $1 AND id = $2::uuid`, [s.tenantId, s.alertId])).rows[0]
  if (!alert) return { ok: false, code: 'not-found' }
  // the GP's relationships that forward somewhere, the open one first
  const { rows: gps } = await db.query<{ recipient_id: string; is_active: boolean; may_forward: boolean }>(
    `SELECT c.recipient_id, (c.starts_at <= now() AND (c.ends_at IS NULL OR c.ends_at > now())) AS is_active,
            may_forward_to(c.patient_id, c.recipient_id) AS may_forward
       FROM care_team_members c
      WHERE c.tenant_id = $1 AND c.patient_id = $2 AND c.relation = 'gp' AND c.recipient_id IS NOT NULL
      ORDER BY (c.ends_at IS NULL) DESC, c.starts_at DESC`,
    [s.tenantId, alert.patient_id],
  )
  if (gps.length === 0) return { ok: false, code: 'no-gp' }
  const active = gps.find((g) => g.is_active)
  if (!active) return { ok: false, code: 'relationship-ended' }
  const target = gps.find((g) => g.is_active && g.may_forward)
  if (!target) return { ok: false, code: 'patient-objects' }
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO forwarding_outbox (tenant_id, recipient_id, patient_id, kind, alert_id, note, requested_by_user_id)
     VALUES ($1, $2, $3, 'alert', $4, $5, $6) RETURNING id::text`,
    [s.tenantId, target.recipient_id, alert.patient_id, s.alertId, s.note, s.byUserId],
  )
  const delivery = await findDeliveryView(db, s.tenantId, rows[0]?.id as string)
  if (!delivery) throw new Error('a share just enqueued is missing')
  return { ok: true, delivery }
}

/** The note and who asked, for the worker to put in the Communication of a share; null for the trigger's deliveries. */
export async function loadShare(db: Queryable, deliveryId: string): Promise<{ id: string; note: string | null; byName: string } | null> {
  const { rows } = await db.query<{ note: string | null; by_name: string | null; requested_by_user_id: string | null }>(
    `SELECT o.note, o.requested_by_user_id, u.display_name AS by_name
       FROM forwarding_outbox o LEFT JOIN users u ON u.id = o.requested_by_user_id WHERE o.id = $1::bigint`,
    [deliveryId],
  )
  const r = rows[0]
  return r?.requested_by_user_id ? { id: deliveryId, note: r.note, byName: r.by_name ?? '' } : null
}

/**
 * Puts a dead letter back in the queue: pending, tried at once, its tries
 * counted afresh; the last error is kept until the next try. Null when the
 * tenant has no dead letter of that id. Its place in the recipient's order is
 * its own (the oldest pending row goes first).
 */
export async function requeueDeadLetter(db: Queryable, r: { tenantId: string; id: string; byUserId: string }): Promise<DeliveryView | null> {
  if (!/^[0-9]{1,18}$/.test(r.id)) return null
  const { rows } = await db.query<{ id: string }>(
    `UPDATE forwarding_outbox SET status = 'pending', attempts = 0, next_attempt_at = now(), claimed_until = NULL, settled_at = NULL,
            requeued_at = now(), requeued_by_user_id = $3
      WHERE tenant_id = $1 AND id = $2::bigint AND status = 'dead' RETURNING id::text`,
    [r.tenantId, r.id, r.byUserId],
  )
  return rows[0] ? findDeliveryView(db, r.tenantId, rows[0].id) : null
}

/** A forwarding recipient and what it gets (the patient page's "Mottakere"). */
export interface RecipientOffer {
  id: string
  name: string
  organisationNumber: string | null
  herId: string | null
  transport: 'fhir-rest' | 'pmd'
  sends: { redAlerts: boolean; dailyReadings: boolean }
}

export async function listRecipientOffers(db: Queryable, tenantId: string): Promise<RecipientOffer[]> {
  const { rows } = await db.query<{
    id: string; name: string; organisation_number: string | null; her_id: string | null; transport: 'fhir-rest' | 'pmd'
    sends_red_alerts: boolean; sends_daily_readings: boolean
  }>(
    `SELECT id, name, organisation_number, her_id, transport, sends_red_alerts, sends_daily_readings
       FROM forwarding_recipients WHERE tenant_id = $1 ORDER BY name, id`,
    [tenantId],
  )
  return rows.map((r) => ({
    id: r.id, name: r.name, organisationNumber: r.organisation_number, herId: r.her_id, transport: r.transport,
    sends: { redAlerts: r.sends_red_alerts, dailyReadings: r.sends_daily_readings },
  }))
}
