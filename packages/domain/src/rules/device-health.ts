import type { Reading } from '../protocol/types.js'
import type { AlertAction, AlertFinding, OpenAlertState } from './alert.js'
import { AlertLedger } from './alert-ledger.js'
import {
  enabledRules,
  isPausedDuring,
  type RuleOf,
  type RuleSet,
  type ServicePause,
} from './rule-set.js'
import type { Severity } from './severity.js'
import {
  formatDayMonth,
  formatNumber,
  limitWord,
  localized,
  type Language,
} from './summary-text.js'
import { toLocalDateTime } from './zoned-time.js'

/**
 * Device health (*måleutstyr*, *basestasjon*): a gateway offline for hours,
 * a battery running low. Not clinical, so yellow by default; but a silent
 * gateway is why measurements stop arriving, which the nurse must tell apart
 * from a patient who stopped measuring.
 */

export interface GatewayHealth {
  gatewayId: string
  /** From the retained status topic (device-protocol.md: last will `offline`). */
  state: 'online' | 'offline'
  /** Last time the platform heard from the gateway (status or batch); an offline spell counts from here. */
  lastSeenAt: Date
  /** Gateway battery %, from its status, when it has one. */
  battery: number | null
}

export interface DeviceBattery {
  deviceId: string
  battery: number
  reportedAt: Date
}

/** The latest battery level each device reported with its readings. */
export function latestDeviceBatteries(readings: readonly Reading[]): DeviceBattery[] {
  const latest = new Map<string, DeviceBattery>()
  for (const r of readings) {
    if (r.battery === null) continue
    const seen = latest.get(r.deviceId)
    if (!seen || seen.reportedAt.getTime() <= r.measuredAt.getTime()) {
      latest.set(r.deviceId, { deviceId: r.deviceId, battery: r.battery, reportedAt: r.measuredAt })
    }
  }
  return [...latest.values()].sort((a, b) => a.deviceId.localeCompare(b.deviceId))
}

export interface EvaluateDeviceHealthInput {
  ruleSet: RuleSet
  gateway: GatewayHealth | null
  devices: readonly DeviceBattery[]
  openAlerts: readonly OpenAlertState[]
  now: Date
  /** While the service is paused (hospital stay) nothing is raised; what recovers still clears. */
  pauses?: readonly ServicePause[]
}

/** Key of a low-battery alert: one per device (or gateway). */
export function lowBatteryAlertKey(ruleId: string, deviceId: string): string {
  return `${ruleId}:${deviceId}`
}

export function evaluateDeviceHealth(input: EvaluateDeviceHealthInput): AlertAction[] {
  const { ruleSet, gateway, now } = input
  const isPaused = isPausedDuring(input.pauses ?? [], now, now)
  const ledger = new AlertLedger(input.openAlerts, now)

  for (const rule of enabledRules(ruleSet, 'gateway-offline')) {
    if (!gateway) continue
    if (gateway.state === 'online') {
      ledger.apply({
        kind: 'over',
        alertKey: rule.id,
        ruleId: rule.id,
        at: gateway.lastSeenAt,
        readings: [],
      })
      continue
    }
    const hours = (now.getTime() - gateway.lastSeenAt.getTime()) / 3_600_000
    const { yellowAfterHours, redAfterHours } = rule.params
    const severity: Severity | null =
      redAfterHours !== null && hours >= redAfterHours
        ? 'red'
        : hours >= yellowAfterHours
          ? 'yellow'
          : null
    if (severity === null || isPaused) continue
    ledger.apply({
      kind: 'finding',
      alertKey: rule.id,
      finding: offlineFinding(rule, gateway, hours, severity, ruleSet.timeZone),
    })
  }

  for (const rule of enabledRules(ruleSet, 'low-battery')) {
    const batteries: (DeviceBattery & { isGateway: boolean })[] = input.devices.map((d) => ({
      ...d,
      isGateway: false,
    }))
    if (gateway && gateway.battery !== null) {
      batteries.push({
        deviceId: gateway.gatewayId,
        battery: gateway.battery,
        reportedAt: gateway.lastSeenAt,
        isGateway: true,
      })
    }
    const { yellowAtOrBelowPercent: limit, hysteresisPercent } = rule.params
    for (const device of batteries) {
      const alertKey = lowBatteryAlertKey(rule.id, device.deviceId)
      if (device.battery >= limit + hysteresisPercent && device.battery > limit) {
        ledger.apply({
          kind: 'over',
          alertKey,
          ruleId: rule.id,
          at: device.reportedAt,
          readings: [],
        })
      } else if (device.battery <= limit && !isPaused) {
        ledger.apply({ kind: 'finding', alertKey, finding: batteryFinding(rule, device) })
      }
    }
  }
  return ledger.actions()
}

function offlineFinding(
  rule: RuleOf<'gateway-offline'>,
  gateway: GatewayHealth,
  hours: number,
  severity: Severity,
  timeZone: string,
): AlertFinding {
  const limit =
    severity === 'red' && rule.params.redAfterHours !== null
      ? rule.params.redAfterHours
      : rule.params.yellowAfterHours
  const whole = Math.floor(hours)
  const seen = toLocalDateTime(gateway.lastSeenAt, timeZone)
  const clock = `${String(seen.hour).padStart(2, '0')}:${String(seen.minute).padStart(2, '0')}`
  const text = (language: Language) => {
    const day = formatDayMonth(seen.month, seen.day, language)
    const lim = formatNumber(limit, 0, language)
    return language === 'nb'
      ? `Basestasjon ${gateway.gatewayId} frakoblet i ${whole} timer, sist sett ${day} kl. ${clock} (${limitWord(severity, language)} ≥ ${lim} timer)`
      : `Gateway ${gateway.gatewayId} offline for ${whole} hours, last seen ${day} ${clock} (${limitWord(severity, language)} ≥ ${lim} hours)`
  }
  return {
    ruleId: rule.id,
    ruleVersion: rule.version,
    ruleKind: rule.kind,
    severity,
    thresholds: rule.params,
    measures: { hoursOffline: Math.floor(hours * 10) / 10 },
    readings: [],
    summary: localized(text),
    news2Score: null,
    source: rule.source,
    // The offline spell is the event: counted once however often this runs.
    triggeredAt: gateway.lastSeenAt,
  }
}

function batteryFinding(
  rule: RuleOf<'low-battery'>,
  device: DeviceBattery & { isGateway: boolean },
): AlertFinding {
  const limit = rule.params.yellowAtOrBelowPercent
  const text = (language: Language) => {
    const pct = (v: number) => `${formatNumber(v, 0, language)}${language === 'nb' ? ' %' : '%'}`
    const what =
      language === 'nb'
        ? device.isGateway
          ? 'basestasjon'
          : 'måleutstyr'
        : device.isGateway
          ? 'gateway'
          : 'device'
    return language === 'nb'
      ? `Lavt batteri på ${what} ${device.deviceId}: ${pct(device.battery)} (${limitWord('yellow', language)} ≤ ${pct(limit)})`
      : `Low battery on ${what} ${device.deviceId}: ${pct(device.battery)} (${limitWord('yellow', language)} ≤ ${pct(limit)})`
  }
  return {
    ruleId: rule.id,
    ruleVersion: rule.version,
    ruleKind: rule.kind,
    severity: 'yellow',
    thresholds: rule.params,
    measures: { battery: device.battery },
    readings: [],
    summary: localized(text),
    news2Score: null,
    source: rule.source,
    triggeredAt: device.reportedAt,
  }
}
