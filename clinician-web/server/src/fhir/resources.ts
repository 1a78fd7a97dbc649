import { createHash } from 'node:crypto'
import type { DeviceRecord, PatientSummary, StoredMeasurement } from '../access/types.js'
import { isVitalType, VITAL_TYPES } from '@varde/domain'

/** Norwegian national identity number (fødselsnummer) system. */
export const NATIONAL_ID_SYSTEM = 'urn:oid:2.16.578.1.12.4.1.4.1'
export const GATEWAY_ID_SYSTEM = 'urn:varde:gateway-id'
export const DEVICE_ID_SYSTEM = 'urn:varde:device-id'

export type Resource = Record<string, unknown> & { resourceType: string; id?: string }

/** FHIR ids are [A-Za-z0-9-.]{1,64}; identifiers that don't fit are hashed. */
export function fhirId(raw: string): string {
  return /^[A-Za-z0-9.-]{1,64}$/.test(raw) ? raw : `h-${createHash('sha256').update(raw).digest('hex').slice(0, 40)}`
}

export const deviceResourceId = (d: Pick<DeviceRecord, 'kind' | 'gatewayId' | 'identifier'>): string =>
  d.kind === 'gateway' ? fhirId(d.gatewayId) : fhirId(`${d.gatewayId}.${d.identifier.replace(/:/g, '-')}`)

export function patientResource(p: PatientSummary): Resource {
  return {
    resourceType: 'Patient',
    id: p.id,
    active: p.serviceState !== 'ended',
    ...(p.nationalId ? { identifier: [{ system: NATIONAL_ID_SYSTEM, value: p.nationalId }] } : {}),
    name: [{ text: p.displayName }],
    ...(p.birthDate ? { birthDate: p.birthDate } : {}),
  }
}

export function deviceResource(d: DeviceRecord): Resource {
  return {
    resourceType: 'Device',
    id: deviceResourceId(d),
    identifier: [{ system: d.kind === 'gateway' ? GATEWAY_ID_SYSTEM : DEVICE_ID_SYSTEM, value: d.identifier }],
    status: 'active',
    ...(d.kind === 'gateway'
      ? { type: { text: 'basestasjon (gateway)' } }
      : { type: { text: 'måleutstyr (BLE device)' }, parent: { reference: `Device/${fhirId(d.gatewayId)}` } }),
    ...(d.patientId ? { patient: { reference: `Patient/${d.patientId}` } } : {}),
    ...(d.firmware ? { version: [{ value: d.firmware }] } : {}),
  }
}

export function observationResource(m: StoredMeasurement): Resource {
  const info = isVitalType(m.type) ? VITAL_TYPES[m.type] : undefined
  return {
    resourceType: 'Observation',
    id: m.id,
    status: 'final',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs', display: 'Vital Signs' }] }],
    code: { coding: [{ system: 'http://loinc.org', code: info?.loinc ?? 'unknown', display: info?.loincDisplay ?? m.type }], text: info?.label.nb ?? m.type },
    subject: { reference: `Patient/${m.patientId}` },
    effectiveDateTime: m.measuredAt.toISOString(),
    valueQuantity: { value: m.value, unit: info?.displayUnit ?? m.unit, system: 'http://unitsofmeasure.org', code: m.unit },
    device: { reference: `Device/${deviceResourceId({ kind: 'device', gatewayId: m.gatewayId, identifier: m.deviceId })}` },
    ...(m.flags.length ? { meta: { tag: m.flags.map((f) => ({ system: 'urn:varde:reading-flag', code: f })) } } : {}),
  }
}

export function searchBundle(selfUrl: string, resources: Resource[], baseUrl: string, nextUrl?: string): Resource {
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    ...(nextUrl === undefined ? { total: resources.length } : {}),
    link: [{ relation: 'self', url: selfUrl }, ...(nextUrl ? [{ relation: 'next', url: nextUrl }] : [])],
    entry: resources.map((r) => ({ fullUrl: `${baseUrl}/${r.resourceType}/${r.id}`, resource: r, search: { mode: 'match' } })),
  }
}

export function operationOutcome(code: string, diagnostics: string, severity: 'error' | 'fatal' = 'error'): Resource {
  return { resourceType: 'OperationOutcome', issue: [{ severity, code, diagnostics }] }
}

export function capabilityStatement(baseUrl: string): Resource {
  const search = (name: string, type: string) => ({ name, type })
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: '2026-11-23',
    kind: 'instance',
    software: { name: 'Varde', version: '0.1.0' },
    implementation: { description: 'Varde digital home monitoring (read-only FHIR R4)', url: baseUrl },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json'],
    rest: [{
      mode: 'server',
      security: { description: 'Session cookie or Authorization: Bearer <token>. Every read is access-controlled (care relationship) and audited.' },
      resource: [
        { type: 'Patient', interaction: [{ code: 'read' }, { code: 'search-type' }], searchParam: [search('identifier', 'token')] },
        { type: 'Device', interaction: [{ code: 'search-type' }], searchParam: [search('identifier', 'token')] },
        {
          type: 'Observation', interaction: [{ code: 'search-type' }],
          searchParam: [search('patient', 'reference'), search('code', 'token'), search('date', 'date'), search('_count', 'number')],
        },
      ],
    }],
  }
}

/** Vital types for a `code` search value (`loinc` or `http://loinc.org|loinc`, comma = OR). */
export function typesForCode(code: string): string[] | null {
  const types: string[] = []
  for (const part of code.split(',')) {
    const [system, value] = part.includes('|') ? part.split('|') : [undefined, part]
    if (system && system !== 'http://loinc.org') return null
    const t = Object.values(VITAL_TYPES).find((v) => v.loinc === value)
    if (t) types.push(t.type)
  }
  return types
}
