import type { Queryable } from './pool.js'

/**
 * Log control (loggkontroll, issue 19; docs/decisions/0019-log-control.md):
 * the tenant's access log with the flags that raise an entry for the
 * privacy officer's review, computed when read (a rule changed here applies
 * to the whole log at once; nothing is stored that could drift):
 * - `emergency`: the opening of an emergency access, or a read under one;
 * - `no-relationship`: health data shown to a user without an active care
 *   relationship at that moment (care_team_members' period);
 * - `after-hours`: a staff access outside 07–17 on a weekday, Norway's time;
 * - `same-surname`: the user's surname is the patient's (addresses are not
 *   stored by Varde; a municipality's EPJ integration could add them);
 * - `unusual-volume`: the user saw more than UNUSUAL_PATIENTS_PER_DAY
 *   different patients that day;
 * - `denied`: a refused attempt.
 * What a live stream pushed (action `push`, written summed per patient) is
 * the server's doing, not the user's: it raises no after-hours or volume flag.
 */
export const UNUSUAL_PATIENTS_PER_DAY = 30
const STAFF_ROLES = `ARRAY['nurse', 'clinician', 'gp', 'admin']`

export type AuditFlagName = 'emergency' | 'no-relationship' | 'after-hours' | 'same-surname' | 'unusual-volume' | 'denied'

export interface LogEntry {
  id: string
  at: Date
  actor: string
  actorName: string | null
  actorRole: string | null
  organisation: string | null
  hpr: string | null
  patientId: string | null
  patientName: string | null
  action: string
  resourceType: string
  resourceId: string | null
  outcome: 'allowed' | 'denied'
  purpose: string | null
  reason: string | null
  ip: string | null
  client: string | null
  flags: AuditFlagName[]
  review: { reviewedAt: Date; reviewedBy: string; note: string } | null
}

export interface LogQuery {
  tenantId: string
  patientId?: string
  username?: string
  from?: Date
  to?: Date
  action?: string
  outcome?: 'allowed' | 'denied'
  show?: 'all' | 'flagged' | 'open'
  /** One entry by its id. */
  id?: string
  /** Only entries before this id (the next page of a newest-first walk). */
  beforeId?: string
  limit: number
}

const FLAGGED = `
  WITH base AS (
    SELECT a.*, u.display_name AS actor_name, u.role AS user_role, p.display_name AS patient_name,
           (SELECT count(DISTINCT a2.patient_id) FROM audit_log a2
             WHERE a2.tenant_id = a.tenant_id AND a2.actor_user_id = a.actor_user_id AND a2.patient_id IS NOT NULL AND a2.action <> 'push'
               AND a2.at >= date_trunc('day', a.at AT TIME ZONE 'Europe/Oslo') AT TIME ZONE 'Europe/Oslo'
               AND a2.at < (date_trunc('day', a.at AT TIME ZONE 'Europe/Oslo') + interval '1 day') AT TIME ZONE 'Europe/Oslo'
           ) AS patients_that_day
      FROM audit_log a
      LEFT JOIN users u ON u.tenant_id = a.tenant_id AND u.id = a.actor_user_id
      LEFT JOIN patients p ON p.tenant_id = a.tenant_id AND p.id = a.patient_id
     WHERE a.tenant_id = $1
       AND ($2::uuid IS NULL OR a.patient_id = $2)
       AND ($3::text IS NULL OR a.actor = $3)
       AND ($4::timestamptz IS NULL OR a.at >= $4)
       AND ($5::timestamptz IS NULL OR a.at < $5)
       AND ($6::text IS NULL OR a.action = $6)
       AND ($7::text IS NULL OR a.outcome = $7)
       AND ($8::bigint IS NULL OR a.id = $8)
       AND ($11::bigint IS NULL OR a.id < $11)
  ), flagged AS (
    SELECT b.*, array_remove(ARRAY[
      CASE WHEN b.action = 'emergency-access' AND b.outcome = 'allowed'
             OR (b.patient_id IS NOT NULL AND b.outcome = 'allowed' AND EXISTS (
                  SELECT 1 FROM emergency_access e WHERE e.tenant_id = b.tenant_id AND e.user_id = b.actor_user_id AND e.patient_id = b.patient_id
                     AND b.at >= e.opened_at AND b.at < e.opened_at + (e.expires_at - e.started_at)))
           THEN 'emergency' END,
      CASE WHEN b.patient_id IS NOT NULL AND b.outcome = 'allowed' AND b.user_role = ANY (ARRAY['nurse', 'clinician', 'gp'])
                AND NOT EXISTS (SELECT 1 FROM care_team_members c WHERE c.patient_id = b.patient_id AND c.user_id = b.actor_user_id
                                   AND c.starts_at <= b.at AND (c.ends_at IS NULL OR c.ends_at > b.at))
           THEN 'no-relationship' END,
      CASE WHEN b.user_role = ANY (${STAFF_ROLES}) AND b.patient_id IS NOT NULL AND b.action <> 'push'
                AND (extract(hour FROM b.at AT TIME ZONE 'Europe/Oslo') NOT BETWEEN 7 AND 16
                     OR extract(isodow FROM b.at AT TIME ZONE 'Europe/Oslo') IN (6, 7))
           THEN 'after-hours' END,
      CASE WHEN b.user_role = ANY (${STAFF_ROLES}) AND b.patient_name IS NOT NULL AND b.actor_name IS NOT NULL
                AND lower(split_part(b.actor_name, ' ', array_length(string_to_array(b.actor_name, ' '), 1)))
                  = lower(split_part(b.patient_name, ' ', array_length(string_to_array(b.patient_name, ' '), 1)))
           THEN 'same-surname' END,
      CASE WHEN b.patients_that_day > ${UNUSUAL_PATIENTS_PER_DAY} AND b.action <> 'push' THEN 'unusual-volume' END,
      CASE WHEN b.outcome = 'denied' THEN 'denied' END
    ], NULL) AS flags
      FROM base b
  )
  SELECT f.id::text, f.at, f.actor, f.actor_name, coalesce(f.actor_role, f.user_role) AS actor_role, f.organisation, f.hpr,
         f.patient_id, f.patient_name, f.action, f.resource_type, f.resource_id, f.outcome, f.purpose,
         f.details->>'reason' AS reason, f.ip, f.client, f.flags,
         r.reviewed_at, r.note, ru.username AS reviewed_by
    FROM flagged f
    LEFT JOIN audit_reviews r ON r.tenant_id = f.tenant_id AND r.audit_id = f.id
    LEFT JOIN users ru ON ru.tenant_id = r.tenant_id AND ru.id = r.reviewed_by`

interface LogRow {
  id: string; at: Date; actor: string; actor_name: string | null; actor_role: string | null; organisation: string | null; hpr: string | null
  patient_id: string | null; patient_name: string | null; action: string; resource_type: string; resource_id: string | null
  outcome: 'allowed' | 'denied'; purpose: string | null; reason: string | null; ip: string | null; client: string | null
  flags: AuditFlagName[]; reviewed_at: Date | null; note: string | null; reviewed_by: string | null
}

const toEntry = (r: LogRow): LogEntry => ({
  id: r.id, at: r.at, actor: r.actor, actorName: r.actor_name, actorRole: r.actor_role, organisation: r.organisation, hpr: r.hpr,
  patientId: r.patient_id, patientName: r.patient_name, action: r.action, resourceType: r.resource_type, resourceId: r.resource_id,
  outcome: r.outcome, purpose: r.purpose, reason: r.reason, ip: r.ip, client: r.client, flags: r.flags,
  review: r.reviewed_at ? { reviewedAt: r.reviewed_at, reviewedBy: r.reviewed_by ?? '', note: r.note ?? '' } : null,
})

/** The tenant's access log, newest first, with flags and reviews, filtered. */
export async function listLogEntries(db: Queryable, q: LogQuery): Promise<LogEntry[]> {
  const show = q.show ?? 'all'
  const { rows } = await db.query<LogRow>(
    `${FLAGGED}
      WHERE ($9::text = 'all' OR (cardinality(f.flags) > 0 AND ($9::text = 'flagged' OR r.audit_id IS NULL)))
      ORDER BY f.id DESC LIMIT $10`,
    [q.tenantId, q.patientId ?? null, q.username ?? null, q.from ?? null, q.to ?? null, q.action ?? null, q.outcome ?? null,
      q.id ?? null, show, q.limit, q.beforeId ?? null],
  )
  return rows.map(toEntry)
}

/**
 * The whole filtered log, newest first, a page at a time (keyset on id), for
 * an export: a long log is never held at once, and entries written while the
 * export runs (its own entry among them) are not in it.
 */
export async function* walkLogEntries(db: Queryable, q: Omit<LogQuery, 'limit' | 'beforeId' | 'id'>, pageSize = 1000): AsyncGenerator<LogEntry> {
  const { rows: [top] } = await db.query<{ max: string | null }>('SELECT max(id)::text AS max FROM audit_log WHERE tenant_id = $1', [q.tenantId])
  if (!top?.max) return
  let beforeId = (BigInt(top.max) + 1n).toString()
  for (;;) {
    const page = await listLogEntries(db, { ...q, beforeId, limit: pageSize })
    yield* page
    if (page.length < pageSize) return
    beforeId = page[page.length - 1]!.id
  }
}

/** One entry of the tenant's log, or null. */
export async function findLogEntry(db: Queryable, tenantId: string, id: string): Promise<LogEntry | null> {
  if (!/^[1-9]\d{0,17}$/.test(id)) return null
  return (await listLogEntries(db, { tenantId, id, limit: 1 }))[0] ?? null
}

/**
 * Marks an entry reviewed with a note, and logs the review in the same
 * statement (decision 1); null when the tenant has no such entry. A second
 * review of the same entry keeps the first (the review is evidence too).
 */
export async function reviewLogEntry(
  db: Queryable, q: { tenantId: string; auditId: string; userId: string; username: string; note: string },
): Promise<{ reviewedAt: Date; isNew: boolean } | null> {
  if (!/^[1-9]\d{0,17}$/.test(q.auditId)) return null
  const { rows } = await db.query<{ reviewed_at: Date; is_new: boolean }>(
    `WITH target AS (SELECT id, patient_id FROM audit_log WHERE tenant_id = $1 AND id = $2),
     added AS (
       INSERT INTO audit_reviews (tenant_id, audit_id, reviewed_by, note)
       SELECT $1, id, $3, $5 FROM target ON CONFLICT (tenant_id, audit_id) DO NOTHING
       RETURNING reviewed_at
     ), logged AS (
       INSERT INTO audit_log (tenant_id, actor_user_id, actor, action, resource_type, resource_id, patient_id, outcome, details, purpose)
       SELECT $1, $3, $4, 'review', 'AuditEvent', t.id::text, t.patient_id, 'allowed',
              jsonb_build_object('note', $5::text, 'first', EXISTS (SELECT 1 FROM added)), 'control'
         FROM target t
     )
     SELECT coalesce((SELECT reviewed_at FROM added), (SELECT reviewed_at FROM audit_reviews WHERE tenant_id = $1 AND audit_id = $2)) AS reviewed_at,
            EXISTS (SELECT 1 FROM added) AS is_new
      WHERE EXISTS (SELECT 1 FROM target)`,
    [q.tenantId, q.auditId, q.userId, q.username, q.note],
  )
  const r = rows[0]
  return r ? { reviewedAt: r.reviewed_at, isNew: r.is_new } : null
}

/** The patient a patient user is (users.patient_id, migration 0010), with their name; null for any other user. */
export async function findOwnPatient(db: Queryable, tenantId: string, userId: string): Promise<{ id: string; displayName: string } | null> {
  const { rows } = await db.query<{ id: string; display_name: string }>(
    `SELECT p.id, p.display_name FROM users u JOIN patients p ON p.tenant_id = u.tenant_id AND p.id = u.patient_id
      WHERE u.tenant_id = $1 AND u.id = $2 AND u.role = 'patient'`, [tenantId, userId])
  return rows[0] ? { id: rows[0].id, displayName: rows[0].display_name } : null
}

/**
 * Who has seen or received the patient's data (the patient's access report,
 * innsyn i logg): the allowed entries naming the patient, by anyone but the
 * patient, newest first. Log control's own reviews are left out (they read
 * the log, not the record).
 */
export async function listPatientAccesses(
  db: Queryable, q: { tenantId: string; patientId: string; selfUserId?: string | null; from?: Date; to?: Date; id?: string; limit: number },
): Promise<LogEntry[]> {
  const { rows } = await db.query<LogRow>(
    `${FLAGGED}
      WHERE f.outcome = 'allowed' AND f.action <> 'review' AND f.actor_user_id IS DISTINCT FROM $9::uuid
      ORDER BY f.id DESC LIMIT $10`,
    [q.tenantId, q.patientId, null, q.from ?? null, q.to ?? null, null, null, q.id ?? null, q.selfUserId ?? null, q.limit, null],
  )
  return rows.map(toEntry)
}

export interface LogPeriodSummary {
  total: number
  byAction: { action: string; outcome: 'allowed' | 'denied'; count: number }[]
  emergencyAccesses: number
  denied: number
  /** The users with the most entries in the period (at most 10), with how many different patients. */
  topUsers: { actor: string; actorName: string | null; entries: number; patients: number }[]
}

/** The counts of the monthly control report (issue 19): what was done, by whom most, refused, emergency accesses. */
export async function summariseLogPeriod(db: Queryable, q: { tenantId: string; from: Date; to: Date }): Promise<LogPeriodSummary> {
  const params = [q.tenantId, q.from, q.to]
  const period = 'a.tenant_id = $1 AND a.at >= $2 AND a.at < $3'
  const { rows: byAction } = await db.query<{ action: string; outcome: 'allowed' | 'denied'; count: number }>(
    `SELECT a.action, a.outcome, count(*)::int AS count FROM audit_log a WHERE ${period} GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2`, params)
  const { rows: topUsers } = await db.query<{ actor: string; actor_name: string | null; entries: number; patients: number }>(
    `SELECT a.actor, max(u.display_name) AS actor_name, count(*)::int AS entries, count(DISTINCT a.patient_id)::int AS patients
       FROM audit_log a LEFT JOIN users u ON u.tenant_id = a.tenant_id AND u.id = a.actor_user_id
      WHERE ${period} AND a.action <> 'push' GROUP BY a.actor ORDER BY 3 DESC, 1 LIMIT 10`, params)
  const sum = (f: (r: (typeof byAction)[number]) => boolean) => byAction.filter(f).reduce((n, r) => n + r.count, 0)
  return {
    total: sum(() => true),
    byAction,
    emergencyAccesses: sum((r) => r.action === 'emergency-access' && r.outcome === 'allowed'),
    denied: sum((r) => r.outcome === 'denied'),
    topUsers: topUsers.map((r) => ({ actor: r.actor, actorName: r.actor_name, entries: r.entries, patients: r.patients })),
  }
}
