import type { Logger } from 'pino'
import { createDevices, type DeviceEncoding } from '../devices/device-kinds.js'
import type { DeviceReading } from '../devices/measurement-encoding.js'
import { SimGateway } from '../gateway/sim-gateway.js'
import type { Episode } from '../patient/episodes.js'
import { deviceTimes, sessionsBetween } from '../patient/measurement-schedule.js'
import { deviceKindsFor, isProfile, normalizeProfiles, scheduleFor, type Profile, type ScheduleSlot } from '../patient/profiles.js'
import { VirtualPatient } from '../patient/virtual-patient.js'
import type { Seed } from '../random/seeded-noise.js'
import { DEFAULT_TIME_ZONE, fromLocal, localDate } from '../time/zoned-time.js'

export interface VirtualHomeOptions {
  gatewayId: string
  secret: string
  mqttUrl: string
  /** Condition profiles; unknown names are ignored (`general` when none is left). */
  profiles: readonly string[]
  seed: Seed
  episodes?: readonly Episode[]
  /** How the devices forward values. Default `mixed`: some decoded, some raw GATT. */
  encoding?: DeviceEncoding | 'mixed'
  /** Share of planned sessions done. Default 0.95. */
  adherence?: number
  timeZone?: string
  resendAfterMs?: number
  logger?: Logger
}

/** A history batch: one local day of a home, with an id that is the same on every start. */
export interface HistoryBatch {
  batchId: string
  readings: DeviceReading[]
}

/** Battery used per measurement, %: a coin cell lasts a few hundred measurements. */
const BATTERY_PER_MEASUREMENT = 0.15

/**
 * One home: a virtual patient, their devices and day plan, and the gateway
 * that forwards what the devices measure.
 */
export class VirtualHome {
  readonly gateway: SimGateway
  readonly patient: VirtualPatient
  readonly schedule: ScheduleSlot[]
  readonly profiles: Profile[]
  private readonly options: VirtualHomeOptions
  private readonly timeZone: string
  private sessionIndex = 0

  constructor(options: VirtualHomeOptions) {
    this.options = options
    this.timeZone = options.timeZone ?? DEFAULT_TIME_ZONE
    this.profiles = normalizeProfiles(options.profiles.filter(isProfile))
    this.patient = new VirtualPatient({ profiles: this.profiles, seed: options.seed, episodes: options.episodes ?? [], timeZone: this.timeZone })
    this.schedule = scheduleFor(this.profiles)
    this.gateway = new SimGateway({
      gatewayId: options.gatewayId,
      secret: options.secret,
      mqttUrl: options.mqttUrl,
      devices: createDevices(options.gatewayId, deviceKindsFor(this.profiles), { encoding: options.encoding ?? 'mixed' }),
      timeZone: this.timeZone,
      ...(options.resendAfterMs === undefined ? {} : { resendAfterMs: options.resendAfterMs }),
      ...(options.logger === undefined ? {} : { logger: options.logger }),
    })
  }

  get gatewayId(): string {
    return this.gateway.gatewayId
  }

  /**
   * The next session of the day plan, measured now: a compressed schedule,
   * where each tick is the next sitting (morning scale, then BP …). The
   * devices are used one after the other, the last one at `now`.
   */
  measureNextSession(now = new Date()): DeviceReading[] {
    const slot = this.schedule[this.sessionIndex++ % this.schedule.length]
    if (!slot) return []
    const n = slot.devices.length
    return slot.devices.flatMap((kind, i) => {
      const device = this.gateway.devices.find((d) => d.kind === kind)
      if (!device) return []
      const at = new Date(now.getTime() - (n - 1 - i) * 1000)
      this.useBattery(device)
      return [{ device, at, values: this.patient.measure(kind, at) }]
    })
  }

  /**
   * The day plan's sessions from `days` local days back until `until`, one
   * batch per local day. Batch and measurement ids depend only on the gateway,
   * the day and the reading, so a restart sending the same history again gets
   * `duplicate` receipts instead of doubled data.
   */
  history(days: number, until = new Date()): HistoryBatch[] {
    const from = fromLocal({ ...localDate(until, this.timeZone, -days), hour: 0, minute: 0, second: 0 }, this.timeZone)
    const sessions = sessionsBetween(this.schedule, from, until, {
      seed: this.options.seed,
      timeZone: this.timeZone,
      adherence: this.options.adherence ?? 0.95,
    })
    const byDay = new Map<string, DeviceReading[]>()
    for (const session of sessions) {
      const readings = deviceTimes(session)
        .filter(({ at }) => at.getTime() <= until.getTime())
        .flatMap(({ device: kind, at }) => {
          const device = this.gateway.devices.find((d) => d.kind === kind)
          return device ? [{ device, at, values: this.patient.measure(kind, at) }] : []
        })
      byDay.set(session.localDate, [...(byDay.get(session.localDate) ?? []), ...readings])
    }
    return [...byDay.entries()].map(([day, readings]) => ({ batchId: `${this.gatewayId}-history-${day.replaceAll('-', '')}`, readings }))
  }

  /** Battery drains with use; a flat one is replaced (back to 100 %). */
  private useBattery(device: { battery: number | null }): void {
    if (device.battery === null) return
    device.battery = device.battery - BATTERY_PER_MEASUREMENT < 5 ? 100 : device.battery - BATTERY_PER_MEASUREMENT
  }
}
