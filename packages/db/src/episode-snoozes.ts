import type { DbActor } from './actor.js'
import { CARE_RELATIONSHIP } from './care-relationship.js'
import { isUuid } from './patients.js'
import type { Queryable } from './pool.js'

/**
 * Snoozed episodes (issue 20, migration 0032, docs/decisions/0033): an
 * episode put out of the inbox until an end time, with a reason. Each write
 * and its access-log entry are ONE statement (decision 0001); the end time is
 * judged on the platform clock (varde_now(), decision 0014), so a test that
 * moves the clock sees the episode come back.
 */

export interface EpisodeSnooze {
  episodeId: string
  patientId: string
  until: Date
  reason: string
  /** The episode's colour when it was snoozed: a rise above it shows it again. */
  severity: 'red' | 'yellow'
  byName: string
  at: Date
}

export type SnoozeResult =
  | { ok: true; snooze: EpisodeSnooze }
  /** `not-found`: no unresolved alert of that id the user gives care to; `snooze-ended`: `until` is not after the platform's now. */
  | { ok: false; code: 'not-found' | 'snooze-ended' }

interface SnoozeRow { episode_id: string; patient_id: string; until: Date; reason: string; severity: 'red' | 'yellow'; by_name: string; at: Date }

const toSnooze = (r: SnoozeRow): EpisodeSnooze => ({
  episodeId: r.episode_id, patientId: r.patient_id, until: r.until, reason: r.reason, severity: r.severity, byName: r.by_name, at: r.at,
})

/**
 * Snoozes (or snoozes again, replacing the end time and reason) the episode
 * whose earliest alert is `episodeId`, an unresolved alert of a patient the
 * user gives care to. The reason is not written to the access log (free
 * text may hold health data); its length is.
 */
export async function snoozeEpisode(
  db: Queryable, actor: DbActor, q: { episodeId: string; until: Date; reason: string; severity: 'red' | 'yellow' },
): Promise<SnoozeResult> {
  if (!isUuid(q.episodeId) || !actor.userId) return { ok: false, code: 'not-found' }
  const { rows } = await db.query<SnoozeRow & { found: boolean; is_future: boolean }>(
    `WITH h AS (SELECT a.id, a.patient_id FROM alerts a JOIN patients p ON p.tenant_id = a.tenant_id AND p.id = a.patient_id
                 WHERE a.tenant_id = $1 AND a.id = $4::uuid AND a.status <> 'resolved' AND ${CARE_RELATIONSHIP}),
          u AS (SELECT id, display_name FROM users WHERE tenant_id = $1 AND id = $2::uuid AND disabled_at IS NULL),
          x AS (INSERT INTO episode_snoozes (tenant_id, episode_id, patient_id, until, reason, severity, by_user_id, by_name)
                SELECT $1, h.id, h.patient_id, $5, $6, $7, u.id, u.display_name FROM h, u WHERE $5::timestamptz > varde_now()
                ON CONFLICT (tenant_id, episode_id) DO UPDATE
                  SET until = EXCLUDED.until, reason = EXCLUDED.reason, severity = EXCLUDED.severity,
                      by_user_id = EXCLUDED.by_user_id, by_name = EXCLUDED.by_name, at = varde_now()
                RETURNING *),
          l AS (INSERT INTO audit_log (tenant_id, actor_user_id, actor, action, resource_type, resource_id, patient_id, outcome, details)
                SELECT $1, $2::uuid, $3, 'episode.snooze', 'Alert', x.episode_id::text, x.patient_id, 'allowed',
                       jsonb_build_object('until', x.until, 'severity', x.severity, 'reasonLength', length(x.reason)) FROM x)
     SELECT EXISTS (SELECT 1 FROM h) AS found, $5::timestamptz > varde_now() AS is_future, x.*
       FROM (SELECT 1) one LEFT JOIN x ON true`,
    [actor.tenantId, actor.userId, actor.username, q.episodeId, q.until, q.reason, q.severity],
  )
  const r = rows[0]
  if (!r?.found) return { ok: false, code: 'not-found' }
  if (!r.is_future || !r.episode_id) return { ok: false, code: 'snooze-ended' }
  return { ok: true, snooze: toSnooze(r) }
}

/** Ends a snooze before its time (the episode is back in the inbox); false when there was none in force the user may end. */
export async function endEpisodeSnooze(db: Queryable, actor: DbActor, episodeId: string): Promise<boolean> {
  if (!isUuid(episodeId) || !actor.userId) return false
  const { rows } = await db.query<{ n: number }>(
    `WITH x AS (DELETE FROM episode_snoozes s USING patients p
                 WHERE s.tenant_id = $1 AND s.episode_id = $4::uuid AND s.until > varde_now()
                   AND p.tenant_id = s.tenant_id AND p.id = s.patient_id AND ${CARE_RELATIONSHIP}
                RETURNING s.episode_id, s.patient_id),
          l AS (INSERT INTO audit_log (tenant_id, actor_user_id, actor, action, resource_type, resource_id, patient_id, outcome, details)
                SELECT $1, $2::uuid, $3, 'episode.unsnooze', 'Alert', x.episode_id::text, x.patient_id, 'allowed', '{}'::jsonb FROM x)
     SELECT count(*)::int AS n FROM x`,
    [actor.tenantId, actor.userId, actor.username, episodeId],
  )
  return (rows[0]?.n ?? 0) > 0
}

/**
 * The snoozes in force now (platform clock) of the given episodes, which the
 * caller has just read as its own (their alerts' reads are logged there).
 * With the platform's now, so the portal can time the return.
 */
export async function activeEpisodeSnoozes(db: Queryable, q: { tenantId: string; episodeIds: readonly string[] }): Promise<{ now: Date; snoozes: EpisodeSnooze[] }> {
  const ids = q.episodeIds.filter(isUuid)
  const { rows } = await db.query<SnoozeRow & { now: Date }>(
    `SELECT n.now, s.* FROM (SELECT varde_now() AS now) n
       LEFT JOIN episode_snoozes s ON s.tenant_id = $1 AND s.episode_id = ANY($2::uuid[]) AND s.until > n.now`,
    [q.tenantId, ids],
  )
  return { now: rows[0]!.now, snoozes: rows.filter((r) => r.episode_id !== null).map(toSnooze) }
}
