import { createHash } from 'node:crypto'
import type { DeviceRecord } from '../access/types.js'

/** Norwegian national identity number (fødselsnummer) system. */
export const NATIONAL_ID_SYSTEM = 'urn:oid:2.16.578.1.12.4.1.4.1'
export const HPR_SYSTEM = 'urn:oid:2.16.578.1.12.4.1.4.4'
export const GATEWAY_ID_SYSTEM = 'urn:varde:gateway-id'
export const DEVICE_ID_SYSTEM = 'urn:varde:device-id'

/**
 * A BLE device's Bluetooth address as the HL7 Personal Health Device IG
 * (2.0.0, "Device identifiers", PhdDevice identifier[bluetoothAddressIdentifier])
 * writes it: system http://hl7.org/fhir/sid/eui-48/bluetooth, type
 * ContinuaDeviceIdentifiers#BTMAC, value EUI-48 as hex pairs joined by '-'
 * (the IG's example "00-E5-DE-AD-77-C3").
 */
export const BLUETOOTH_ADDRESS_SYSTEM = 'http://hl7.org/fhir/sid/eui-48/bluetooth'
export const CONTINUA_DEVICE_IDENTIFIERS = 'http://terminology.hl7.org/CodeSystem/ContinuaDeviceIdentifiers'
const BLUETOOTH_ADDRESS = /^[0-9A-Fa-f]{2}(?:([:-])[0-9A-Fa-f]{2}(?:\1[0-9A-Fa-f]{2}){4}|[0-9A-Fa-f]{10})$/
/** The EUI-48 form of a device id that is a Bluetooth address (`AA:BB:CC:00:00:01`), or null for any other id. */
export function eui48Of(deviceId: string): string | null {
  if (!BLUETOOTH_ADDRESS.test(deviceId)) return null
  return deviceId.replace(/[:-]/g, '').toUpperCase().match(/../g)!.join('-')
}

/** A reading's own identifier: its uuid as a URN (R4 datatypes.html#Identifier, system urn:ietf:rfc:3986). */
export const URI_SYSTEM = 'urn:ietf:rfc:3986'

/** An R4 resource id (http://hl7.org/fhir/R4/datatypes.html#id). */
export const FHIR_ID = /^[A-Za-z0-9.-]{1,64}$/

/** FHIR ids are [A-Za-z0-9-.]{1,64}; identifiers that don't fit are hashed. */
export function fhirId(raw: string): string {
  return FHIR_ID.test(raw) ? raw : `h-${createHash('sha256').update(raw).digest('hex').slice(0, 40)}`
}

export const deviceResourceId = (d: Pick<DeviceRecord, 'kind' | 'gatewayId' | 'identifier'>): string =>
  d.kind === 'gateway' ? fhirId(d.gatewayId) : fhirId(`${d.gatewayId}.${d.identifier.replace(/:/g, '-')}`)

/**
 * An Observation's id: its reading's uuid and measured time (epoch ms in
 * base 36), `<uuid>.<time>`. Stable, and a read finds the reading by the
 * time index (decision 0016: the measurements hypertable has no index on id).
 */
export const observationResourceId = (m: { id: string; measuredAt: Date }): string => `${m.id}.${m.measuredAt.getTime().toString(36)}`

const OBSERVATION_ID = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.(-?[0-9a-z]{1,11})$/
/** The reading an Observation id names, or null for an id not of that form. */
export function parseObservationId(id: string): { id: string; measuredAt: Date } | null {
  const m = OBSERVATION_ID.exec(id)
  const measuredAt = m ? new Date(parseInt(m[2]!, 36)) : undefined
  return m && measuredAt && !Number.isNaN(measuredAt.getTime()) && observationResourceId({ id: m[1]!, measuredAt }) === id ? { id: m[1]!, measuredAt } : null
}
