import type { SupportedCharacteristic, VitalType } from '@varde/domain'
import { hashParts } from '../random/seeded-noise.js'

/** The BLE medical devices a home may have (device-protocol.md "Actors"). */
export const DEVICE_KINDS = ['scale', 'oximeter', 'bp-monitor', 'thermometer', 'glucose-meter'] as const
export type DeviceKind = (typeof DEVICE_KINDS)[number]

export function isDeviceKind(value: unknown): value is DeviceKind {
  return typeof value === 'string' && (DEVICE_KINDS as readonly string[]).includes(value)
}

/** The readings one measurement on each device yields, in the order the device reports them. */
export const DEVICE_VITALS: Readonly<Record<DeviceKind, readonly VitalType[]>> = {
  scale: ['body-weight'],
  oximeter: ['spo2', 'pulse'],
  'bp-monitor': ['bp-systolic', 'bp-diastolic', 'pulse'],
  thermometer: ['body-temperature'],
  'glucose-meter': ['blood-glucose'],
}

/** The characteristic each device sends when it forwards raw GATT (device-protocol.md "Raw GATT characteristics"). */
export const DEVICE_CHARACTERISTIC: Readonly<Record<DeviceKind, SupportedCharacteristic>> = {
  scale: '2a9d',
  oximeter: '2a5e',
  'bp-monitor': '2a35',
  thermometer: '2a1c',
  'glucose-meter': '2a18',
}

/** How a gateway forwards a device's values: decoded readings, or the raw characteristic for the platform to decode. */
export type DeviceEncoding = 'decoded' | 'gatt'

export interface SimDevice {
  kind: DeviceKind
  /** BLE address or serial, unique within the gateway. */
  deviceId: string
  encoding: DeviceEncoding
  /** Battery %, reported with each measurement; null for mains-powered devices. */
  battery: number | null
}

/**
 * A stable, BLE-address-like id for a gateway's device of a kind, e.g.
 * `D0:5A:3C:91:7E:02`. The same gateway always pairs the same addresses.
 */
export function defaultDeviceId(gatewayId: string, kind: DeviceKind, label = ''): string {
  const h = hashParts('device-id', gatewayId, kind, label)
  const bytes = [0xd0, 0x5a, (h >>> 16) & 0xff, (h >>> 8) & 0xff, h & 0xff, DEVICE_KINDS.indexOf(kind) + 1]
  return bytes.map((b) => b.toString(16).toUpperCase().padStart(2, '0')).join(':')
}

/**
 * Sets up a home's devices, one of each kind. Battery starts between 60 and
 * 100 %, stable per gateway; encoding alternates between decoded and raw
 * GATT by kind unless one is given, so both paths of the platform get traffic.
 */
export function createDevices(
  gatewayId: string,
  kinds: readonly DeviceKind[],
  options: { encoding?: DeviceEncoding | 'mixed'; label?: string } = {},
): SimDevice[] {
  const encoding = options.encoding ?? 'mixed'
  return [...new Set(kinds)].map((kind) => ({
    kind,
    deviceId: defaultDeviceId(gatewayId, kind, options.label),
    encoding: encoding === 'mixed' ? (hashParts('encoding', gatewayId, kind) % 2 === 0 ? 'gatt' : 'decoded') : encoding,
    battery: 60 + (hashParts('battery', gatewayId, kind) % 41),
  }))
}
