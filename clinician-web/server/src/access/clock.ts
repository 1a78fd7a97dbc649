import { loadClockSetting, platformNow, resetPlatformClock, setPlatformClock, type ClockChange } from '@varde/db'
import type { ClockSetting } from '@varde/domain'
import { ERRORS } from '../errors/api-errors.js'
import { hasRole } from './actor.js'
import type { AccessContext } from './context.js'

export interface ClockView {
  setting: ClockSetting
  /** The platform time now, as the database judges it (varde_now()). */
  now: Date
}

/**
 * The platform clock (docs/decisions/0014-platform-clock.md): anyone logged
 * in may read it (the portal says when time is moved; no patient's data);
 * only an administrator moves it, and only outside production mode. Each
 * change and its access-log entry are one statement (packages/db
 * platform-clock.ts); every refusal is logged here.
 */
export function clockAccess({ db, actor, audit, where }: AccessContext) {
  const view = async (setting?: ClockSetting): Promise<ClockView> => ({ setting: setting ?? await loadClockSetting(db), now: await platformNow(db) })
  const clockActor = () => ({ tenantId: actor.tenantId, userId: actor.userId, name: actor.username })
  return {
    read: () => view(),

    /** Refuses anyone but an administrator, and production mode altogether; both logged. */
    async requireClockSetter(mode: 'demo' | 'production'): Promise<void> {
      if (mode === 'demo' && hasRole(actor, ['admin'])) return
      await audit.one({ action: 'clock.set', resourceType: 'PlatformClock', resourceId: null, outcome: 'denied', details: { ...where(), mode } })
      throw mode === 'production' ? new ERRORS.clockFixed() : new ERRORS.clockAdminRequired()
    },

    async set(change: ClockChange): Promise<ClockView> {
      return view(await setPlatformClock(db, clockActor(), change))
    },

    async reset(): Promise<ClockView> {
      await resetPlatformClock(db, clockActor())
      return view()
    },

  }
}
