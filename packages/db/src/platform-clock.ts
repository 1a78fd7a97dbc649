import { WALL_CLOCK, platformTimeAt, type ClockSetting } from '@varde/domain'
import type { Queryable } from './pool.js'

/**
 * The platform clock's setting (migration 0014; docs/decisions/0014-platform-clock.md).
 * The database holds the one setting every part reads: SQL through
 * varde_now(), the services through `PlatformClock` (a copy, refreshed).
 */

/** Who moves the clock: an administrator (their tenant's access log gets the entry) or the platform at start. */
export interface ClockActor {
  tenantId: string | null
  userId: string | null
  name: string
}

/** How to set it: `offset` from the wall clock, `advance` from the platform time now, or keep the time and change only the speed. */
export type ClockChange =
  | { kind: 'offset'; offsetMs: number; speed: number }
  | { kind: 'advance'; byMs: number; speed: number }
  | { kind: 'speed'; speed: number }

interface ClockRow { anchor_wall: Date; anchor_platform: Date; speed: number }
const toSetting = (r: ClockRow | undefined): ClockSetting => (r
  ? { anchorWallMs: r.anchor_wall.getTime(), anchorPlatformMs: r.anchor_platform.getTime(), speed: Number(r.speed) }
  : WALL_CLOCK)

export async function loadClockSetting(db: Queryable): Promise<ClockSetting> {
  const { rows } = await db.query<ClockRow>('SELECT anchor_wall, anchor_platform, speed FROM platform_clock')
  return toSetting(rows[0])
}

/** The platform time now, as SQL judges it (varde_now()). */
export async function platformNow(db: Queryable): Promise<Date> {
  const { rows } = await db.query<{ now: Date }>('SELECT varde_now() AS now')
  return rows[0]!.now
}

/**
 * Sets the clock and writes the access-log entry in the same statement
 * (decision 0001); an actor without a tenant (the platform at start, from
 * configuration) leaves none: the start-up log says it.
 */
export async function setPlatformClock(db: Queryable, actor: ClockActor, change: ClockChange): Promise<ClockSetting> {
  // an offset counts from the wall clock; an advance (and a change of speed alone) from the platform time now
  const anchor = `${change.kind === 'offset' ? 'now()' : 'varde_now()'} + make_interval(secs => $2::double precision / 1000)`
  const amountMs = change.kind === 'offset' ? change.offsetMs : change.kind === 'advance' ? change.byMs : 0
  const { rows } = await db.query<ClockRow>(
    `WITH x AS (
       INSERT INTO platform_clock AS c (id, anchor_wall, anchor_platform, speed, set_by, set_at)
       VALUES (true, now(), ${anchor}, $1, $3, now())
       ON CONFLICT (id) DO UPDATE SET anchor_wall = EXCLUDED.anchor_wall, anchor_platform = EXCLUDED.anchor_platform,
                                      speed = EXCLUDED.speed, set_by = EXCLUDED.set_by, set_at = EXCLUDED.set_at
       RETURNING anchor_wall, anchor_platform, speed),
     a AS (
       INSERT INTO audit_log (tenant_id, actor_user_id, actor, action, resource_type, outcome, details)
       SELECT $4, $5::uuid, $3, 'clock.set', 'PlatformClock', 'allowed',
              jsonb_build_object('change', $6::text, 'amountMs', $2::double precision, 'speed', $1::double precision,
                                 'platformTime', x.anchor_platform)
         FROM x WHERE $4::text IS NOT NULL)
     SELECT * FROM x`,
    [change.speed, amountMs, actor.name, actor.tenantId, actor.userId, change.kind],
  )
  return toSetting(rows[0])
}

/** Back to the wall clock (production mode does this at every start); audited as setPlatformClock. */
export async function resetPlatformClock(db: Queryable, actor: ClockActor): Promise<void> {
  await db.query(
    `WITH x AS (DELETE FROM platform_clock RETURNING 1),
     a AS (
       INSERT INTO audit_log (tenant_id, actor_user_id, actor, action, resource_type, outcome, details)
       SELECT $1, $2::uuid, $3, 'clock.reset', 'PlatformClock', 'allowed', '{}'::jsonb WHERE $1::text IS NOT NULL)
     SELECT count(*) FROM x`,
    [actor.tenantId, actor.userId, actor.name],
  )
}

/**
 * A service's copy of the setting: `now()` without a database round trip,
 * refreshed by `refresh()` (on the clock-changed event, and every
 * `refreshMs` as a safety net).
 */
export class PlatformClock {
  #setting: ClockSetting = WALL_CLOCK
  #timer: NodeJS.Timeout | undefined

  constructor(private readonly db: Queryable) {}

  /**
   * Loads the setting every `refreshMs` and now; rejects if this first load
   * fails (the database is down), but keeps trying, and a failed refresh
   * keeps the last setting.
   */
  async start(refreshMs = 5000): Promise<void> {
    this.#timer = setInterval(() => { this.refresh().catch(() => {}) }, refreshMs)
    this.#timer.unref()
    await this.refresh()
  }

  async refresh(): Promise<void> {
    this.#setting = await loadClockSetting(this.db)
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer)
  }

  get setting(): ClockSetting {
    return this.#setting
  }

  now(): Date {
    return new Date(platformTimeAt(this.#setting, Date.now()))
  }
}
