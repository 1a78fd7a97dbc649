import type { Bundle, Device, Observation, ObservationComponent, Patient, Quantity, Resource } from '@medplum/fhirtypes'
import { codeSystemOf, isVitalType, observationCategoryOf, PATIENT_REPORTED_GATEWAY, VITAL_TYPES } from '@varde/domain'
import type { InterpretedRow } from '../access/fhir-reads.js'
import { BP_PANEL, type DeviceRecord, type PatientSummary } from '../access/types.js'
import { interpretationOf } from './interpretation.js'
import {
  BLUETOOTH_ADDRESS_SYSTEM, CONTINUA_DEVICE_IDENTIFIERS, DEVICE_ID_SYSTEM, deviceResourceId, eui48Of, fhirId, GATEWAY_ID_SYSTEM, NATIONAL_ID_SYSTEM,
  observationResourceId, URI_SYSTEM,
} from './identifiers.js'
import { BP_PANEL_CODE, EXTRA_CODINGS, LOINC, otherCodingsOf, profilesOf, UCUM } from './observation-codes.js'

/** meta.lastUpdated (R4 Meta): when the record last changed in what is served (migration 0037), where it is known. */
const lastUpdatedMeta = (at: Date | undefined) => (at ? { meta: { lastUpdated: at.toISOString() } } : {})

export function patientResource(p: PatientSummary, lastUpdated?: Date): Patient {
  return {
    resourceType: 'Patient',
    id: p.id,
    ...lastUpdatedMeta(lastUpdated),
    active: p.serviceState !== 'ended',
    ...(p.nationalId ? { identifier: [{ system: NATIONAL_ID_SYSTEM, value: p.nationalId }] } : {}),
    name: [{ text: p.displayName }],
    ...(p.birthDate ? { birthDate: p.birthDate } : {}),
  }
}

/** A Device; `lastUpdated` is its gateway's (a BLE device's patient and parent are its gateway's). */
export function deviceResource(d: DeviceRecord, lastUpdated?: Date): Device {
  const eui48 = d.kind === 'gateway' ? null : eui48Of(d.identifier)
  return {
    resourceType: 'Device',
    id: deviceResourceId(d),
    ...lastUpdatedMeta(lastUpdated),
    identifier: [
      { system: d.kind === 'gateway' ? GATEWAY_ID_SYSTEM : DEVICE_ID_SYSTEM, value: d.identifier },
      ...(eui48 ? [{ type: { coding: [{ system: CONTINUA_DEVICE_IDENTIFIERS, code: 'BTMAC', display: 'Bluetooth MAC address' }] }, system: BLUETOOTH_ADDRESS_SYSTEM, value: eui48 }] : []),
    ],
    status: 'active',
    ...(d.kind === 'gateway'
      ? { type: { text: 'basestasjon (gateway)' } }
      : { type: { text: 'måleutstyr (BLE device)' }, parent: { reference: `Device/${fhirId(d.gatewayId)}` } }),
    ...(d.patientId ? { patient: { reference: `Patient/${d.patientId}` } } : {}),
    ...(d.firmware ? { version: [{ value: d.firmware }] } : {}),
  }
}

/** The R4 core extension naming the gateway a reading came through (http://hl7.org/fhir/R4/extension-observation-gatewaydevice.html). */
const GATEWAY_DEVICE_EXTENSION = 'http://hl7.org/fhir/StructureDefinition/observation-gatewayDevice'

/** What a reading's flags (device-protocol.md "Time") tell a reader, as the Observation's notes. */
const FLAG_NOTES: Record<string, string> = {
  late: 'Sendt mer enn 24 timer etter målingen (lagret og sendt senere); varsler ingen. / Sent more than 24 h after it was measured (store-and-forward).',
  'clock-adjusted': 'Måletidspunktet er rettet for feil klokke i basestasjonen. / Measured time corrected for the gateway\'s wrong clock.',
  'time-from-receipt': 'Måletidspunktet manglet; mottakstidspunktet er brukt. / No measured time was sent; the time of receipt is used.',
}

/** vital-signs, or survey for a questionnaire score (ADR 0042). */
const categoryOf = (type: string) => ({ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', ...observationCategoryOf(type) }] })

/** A reading's value in its UCUM unit (device-protocol.md "Decoded types"), as the vital-signs profiles want it. */
function quantity(type: string, value: number, unit: string): Quantity {
  const displayUnit = isVitalType(type) ? VITAL_TYPES[type].displayUnit : unit
  return { value, unit: displayUnit, system: UCUM, code: unit }
}

function loincConcept(type: string): Observation['code'] {
  if (!isVitalType(type)) return { coding: [{ system: LOINC, code: 'unknown', display: type }], text: type }
  const info = VITAL_TYPES[type]
  const extra = (EXTRA_CODINGS[type] ?? []).map((c) => ({ system: LOINC, ...c }))
  return { coding: [{ system: codeSystemOf(info), code: info.loinc, display: info.loincDisplay }, ...extra, ...otherCodingsOf(type)], text: info.label.nb }
}

/**
 * One Observation (platform-contract.md "FHIR R4"): a reading, or a blood
 * pressure measurement as the panel 85354-9 with its systolic and diastolic
 * components (the FHIR vital-signs profile `bp`; packages/db observations.ts
 * pairs the two stored readings).
 */
export function observationResource(m: InterpretedRow): Observation {
  const isPanel = m.kind === BP_PANEL && m.diastolic !== null
  const isSelfReported = m.gatewayId === PATIENT_REPORTED_GATEWAY
  const interpreted = (type: string, value: number) => {
    const concept = interpretationOf(type, value, m.thresholds)
    return concept ? { interpretation: [concept] } : {}
  }
  const component = (type: 'bp-systolic' | 'bp-diastolic', value: number, unit: string): ObservationComponent => ({
    code: { coding: [{ system: LOINC, code: VITAL_TYPES[type].loinc, display: VITAL_TYPES[type].loincDisplay }, ...otherCodingsOf(type)] },
    valueQuantity: quantity(type, value, unit),
    ...interpreted(type, value),
  })
  return {
    resourceType: 'Observation',
    id: observationResourceId(m),
    meta: {
      // a reading never changes once stored: its Observation was last updated when it was received
      lastUpdated: m.receivedAt.toISOString(),
      // FHIR JSON has no empty arrays: a survey claims no profile (ADR 0042)
      ...(profilesOf(m.kind).length ? { profile: profilesOf(m.kind) } : {}),
      ...(m.flags.length ? { tag: m.flags.map((f) => ({ system: 'urn:varde:reading-flag', code: f })) } : {}),
    },
    // the patient's own answer (ADR 0042) came through no gateway or device: she is its performer
    ...(isSelfReported ? {} : { extension: [{ url: GATEWAY_DEVICE_EXTENSION, valueReference: { reference: `Device/${fhirId(m.gatewayId)}` } }] }),
    identifier: [{ system: URI_SYSTEM, value: `urn:uuid:${m.id}` }],
    status: 'final',
    category: [categoryOf(m.type)],
    ...(isPanel
      ? {
          code: { coding: [{ system: LOINC, ...BP_PANEL_CODE }, ...otherCodingsOf(BP_PANEL)], text: 'Blodtrykk' },
          component: [component('bp-systolic', m.value, m.unit), component('bp-diastolic', m.diastolic!.value, m.diastolic!.unit)],
        }
      : { code: loincConcept(m.type), valueQuantity: quantity(m.type, m.value, m.unit), ...interpreted(m.type, m.value) }),
    subject: { reference: `Patient/${m.patientId}` },
    effectiveDateTime: m.measuredAt.toISOString(),
    ...(isSelfReported
      ? { performer: [{ reference: `Patient/${m.patientId}` }] }
      : { device: { reference: `Device/${deviceResourceId({ kind: 'device', gatewayId: m.gatewayId, identifier: m.deviceId })}` } }),
    ...(m.flags.some((f) => FLAG_NOTES[f]) ? { note: m.flags.filter((f) => FLAG_NOTES[f]).map((f) => ({ text: FLAG_NOTES[f]! })) } : {}),
  }
}

/**
 * A searchset Bundle. `total` only when this page is the whole result (no
 * page before it, none after): a later page does not know the count.
 */
export function searchBundle<T extends Resource>(
  selfUrl: string, resources: T[], baseUrl: string, paging: { nextUrl?: string | undefined; isFirstPage: boolean } = { isFirstPage: true },
  included: Resource[] = [],
): Bundle<T> {
  const { nextUrl } = paging
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    ...(nextUrl === undefined && paging.isFirstPage ? { total: resources.length } : {}),
    link: [{ relation: 'self', url: selfUrl }, ...(nextUrl ? [{ relation: 'next', url: nextUrl }] : [])],
    entry: [
      ...resources.map((r) => ({ fullUrl: `${baseUrl}/${r.resourceType}/${r.id}`, resource: r, search: { mode: 'match' as const } })),
      // _include: not counted in total (search.html §3.1.1.5.4)
      ...included.map((r) => ({ fullUrl: `${baseUrl}/${r.resourceType}/${r.id}`, resource: r as T, search: { mode: 'include' as const } })),
    ],
  }
}
