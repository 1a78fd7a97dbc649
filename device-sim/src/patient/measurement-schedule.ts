import type { DeviceKind } from '../devices/device-kinds.js'
import { SeededNoise, type Seed } from '../random/seeded-noise.js'
import { formatLocalDate, fromLocal, isoWeekday, localDate } from '../time/zoned-time.js'
import type { ScheduleSlot } from './profiles.js'

/** One sitting of the patient with their devices: the scheduled slot, at the time they actually did it. */
export interface MeasurementSession {
  at: Date
  /** The planned local time, `HH:MM`. */
  slotTime: string
  /** Local calendar date, `YYYY-MM-DD`. */
  localDate: string
  devices: readonly DeviceKind[]
}

export interface SessionOptions {
  seed: Seed
  timeZone: string
  /** Share of sessions done, 0–1: the rest are missed (manglende måling), deterministically from the seed. Default 1. */
  adherence?: number
  /** 1 SD of how far from the planned time people measure. Default 10 minutes; clamped to ±3 SD. */
  jitterMinutes?: number
}

const MINUTE_MS = 60_000

/**
 * The sessions of a day plan in [from, to): each planned slot on each local
 * day, moved by a deterministic jitter, minus the missed ones. Pure.
 */
export function sessionsBetween(
  schedule: readonly ScheduleSlot[],
  from: Date,
  to: Date,
  options: SessionOptions,
): MeasurementSession[] {
  if (to.getTime() <= from.getTime()) return []
  const noise = new SeededNoise(options.seed).fork('schedule')
  const adherence = options.adherence ?? 1
  const jitter = options.jitterMinutes ?? 10
  const sessions: MeasurementSession[] = []
  // A day early and a day late: jitter may move a slot across midnight.
  for (let dayShift = -1; ; dayShift++) {
    const date = localDate(from, options.timeZone, dayShift)
    const dayStart = fromLocal({ ...date, hour: 0, minute: 0, second: 0 }, options.timeZone)
    if (dayStart.getTime() > to.getTime() + 86_400_000) break
    const dateText = formatLocalDate(date)
    const weekday = isoWeekday(date)
    for (const slot of schedule) {
      if (slot.weekdays && !slot.weekdays.includes(weekday)) continue
      const [hour, minute] = slot.time.split(':').map(Number) as [number, number]
      const key = `${dateText}T${slot.time}`
      if (noise.uniform('missed', key) >= adherence) continue
      const planned = fromLocal({ ...date, hour, minute, second: 0 }, options.timeZone)
      const offsetMinutes = Math.max(-3, Math.min(3, noise.gaussian('jitter', key))) * jitter
      const at = new Date(planned.getTime() + Math.round(offsetMinutes * 60) * 1000)
      if (at.getTime() < from.getTime() || at.getTime() >= to.getTime()) continue
      sessions.push({ at, slotTime: slot.time, localDate: dateText, devices: slot.devices })
    }
  }
  return sessions.sort((a, b) => a.at.getTime() - b.at.getTime())
}

/** When each device of a session is used: one after the other, a minute and a half apart. */
export function deviceTimes(session: MeasurementSession): { device: DeviceKind; at: Date }[] {
  return session.devices.map((device, i) => ({ device, at: new Date(session.at.getTime() + i * 1.5 * MINUTE_MS) }))
}
