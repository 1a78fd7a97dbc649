import type { Measurement } from '@varde/domain'
import { createDevices, defaultDeviceId, type DeviceKind, type SimDevice } from '../devices/device-kinds.js'
import { encodeDeviceReading, type DeviceReading } from '../devices/measurement-encoding.js'
import type { Episode } from '../patient/episodes.js'
import { deviceTimes, sessionsBetween } from '../patient/measurement-schedule.js'
import { deviceKindsFor, scheduleFor, type ScheduleSlot } from '../patient/profiles.js'
import { VirtualPatient } from '../patient/virtual-patient.js'
import { resolveTimeOffset, type TimeOffset } from '../time/time-offset.js'
import type { MeasureStep, Scenario, SendStep } from './scenario-types.js'

/** A scenario made concrete for one run: times resolved, patient and devices set up. Pure apart from `start`. */
export interface ScenarioPlan {
  scenario: Scenario
  start: Date
  timeZone: string
  patient: VirtualPatient
  schedule: ScheduleSlot[]
  devices: SimDevice[]
}

/**
 * Sets up the home: the patient with the episodes resolved against `start`,
 * and the devices: those the scenario lists, else those the profiles'
 * day plans use, plus any a step names. Devices without an id get a fresh one
 * per run (`runId`), so the run's readings can be told apart from earlier runs'.
 */
export function planScenario(scenario: Scenario, start: Date, runId: string): ScenarioPlan {
  const zone = scenario.timeZone
  const episodes: Episode[] = scenario.patient.episodes.map((e) => ({
    kind: e.kind,
    start: resolveTimeOffset(e.start, start, zone),
    ...(e.rampMs === null ? {} : { rampMs: e.rampMs }),
    ...(e.durationMs === null ? {} : { durationMs: e.durationMs }),
    severity: e.severity,
  }))
  const patient = new VirtualPatient({ profiles: scenario.patient.profiles, seed: scenario.patient.seed, episodes, timeZone: zone, baseline: scenario.patient.baseline })
  const devices: SimDevice[] =
    scenario.devices.length > 0
      ? scenario.devices.map((d) => ({
          kind: d.kind,
          deviceId: d.id ?? defaultDeviceId(scenario.gateway.id, d.kind, runId),
          encoding: d.encoding,
          battery: d.battery,
        }))
      : createDevices(scenario.gateway.id, deviceKindsFor(scenario.patient.profiles), { label: runId })
  const named = scenario.steps.flatMap((s) =>
    s.kind === 'send' ? s.measurements.flatMap((m) => (m.form === 'raw' ? [] : [m.device])) : s.kind === 'battery' && s.device ? [s.device] : [],
  )
  const missing = [...new Set(named)].filter((kind) => !devices.some((d) => d.kind === kind))
  devices.push(...createDevices(scenario.gateway.id, missing, { label: runId, encoding: 'decoded' }))
  return { scenario, start, timeZone: zone, patient, schedule: scheduleFor(scenario.patient.profiles), devices }
}

export function resolveAt(plan: ScenarioPlan, offset: TimeOffset): Date {
  return resolveTimeOffset(offset, plan.start, plan.timeZone)
}

export function deviceOf(plan: ScenarioPlan, kind: DeviceKind): SimDevice {
  const device = plan.devices.find((d) => d.kind === kind)
  if (!device) throw new Error(`the home has no ${kind}`)
  return device
}

/**
 * The readings of a `measure` step, grouped into batches as its `batching`
 * says: the patient's sessions in [from, to) (minus skipped windows and
 * missed sessions), each device of a session measuring in turn.
 */
export function measureStepReadings(plan: ScenarioPlan, step: MeasureStep): DeviceReading[][] {
  const from = resolveAt(plan, step.from)
  const to = resolveAt(plan, step.to)
  const skips = step.skip.map((s) => ({ from: resolveAt(plan, s.from).getTime(), to: resolveAt(plan, s.to).getTime() }))
  const sessions = sessionsBetween(plan.schedule, from, to, {
    seed: plan.scenario.patient.seed,
    timeZone: plan.timeZone,
    adherence: step.adherence ?? plan.scenario.patient.adherence,
  }).filter((s) => !skips.some((w) => s.at.getTime() >= w.from && s.at.getTime() < w.to))
  const groups = new Map<string, DeviceReading[]>()
  for (const session of sessions) {
    const key = step.batching === 'session' ? session.at.toISOString() : step.batching === 'day' ? session.localDate : 'all'
    const readings = deviceTimes(session)
      .filter(({ device }) => step.devices === null || step.devices.includes(device))
      .flatMap(({ device, at }) => {
        const simDevice = plan.devices.find((d) => d.kind === device)
        return simDevice ? [{ device: simDevice, at, values: plan.patient.measure(device, at) }] : []
      })
    if (readings.length === 0) continue
    groups.set(key, [...(groups.get(key) ?? []), ...readings])
  }
  return [...groups.values()]
}

/**
 * The measurements of a `send` step, as the gateway would write them, wrong
 * ones included: ids `m1`, `m2` … unless given; times stamped by `stampTime`
 * (the gateway's clock).
 */
export function sendStepMeasurements(
  plan: ScenarioPlan,
  step: SendStep,
  stampTime: (at: Date) => string,
  localOffsetMinutes: (at: Date) => number,
): unknown[] {
  return step.measurements.flatMap((m, index): unknown[] => {
    const defaultId = `m${index + 1}`
    const measuredAt = (offset: TimeOffset | null): { measuredAt?: string } =>
      offset === null ? {} : { measuredAt: stampTime(resolveAt(plan, offset)) }
    switch (m.form) {
      case 'raw':
        return [m.at === null || typeof m.raw !== 'object' || m.raw === null ? m.raw : { ...m.raw, ...measuredAt(m.at) }]
      case 'values': {
        const device = deviceOf(plan, m.device)
        const ids: string[] = []
        const measurements: Measurement[] = encodeDeviceReading(
          { device, at: resolveAt(plan, m.at), values: m.values },
          {
            stampTime,
            localOffsetMinutes,
            ...(m.encoding === null ? {} : { encoding: m.encoding }),
            idFor: () => {
              const id = m.id === null ? defaultId : m.id
              const unique = ids.includes(id) ? `${id}.${ids.length + 1}` : id
              ids.push(unique)
              return unique
            },
          },
        )
        return measurements
      }
      case 'decoded': {
        const device = deviceOf(plan, m.device)
        return [{ id: m.id ?? defaultId, deviceId: device.deviceId, type: m.type, value: m.value, unit: m.unit, ...measuredAt(m.at) }]
      }
      case 'gatt': {
        const device = deviceOf(plan, m.device)
        return [{ id: m.id ?? defaultId, deviceId: device.deviceId, gatt: m.gatt, ...measuredAt(m.at) }]
      }
    }
  })
}

