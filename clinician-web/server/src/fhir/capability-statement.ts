import type { CapabilityStatement, CapabilityStatementRestResource, ResourceType } from '@medplum/fhirtypes'

type SearchParam = { name: string; type: 'token' | 'reference' | 'date' | 'number' | 'string' | 'special'; documentation?: string }
interface Served {
  interactions: ('read' | 'search-type')[]
  searchParams: SearchParam[]
  /** `_include` values served (CapabilityStatement.rest.resource.searchInclude). */
  searchInclude?: string[]
  /** `_revinclude` values served (CapabilityStatement.rest.resource.searchRevInclude). */
  searchRevInclude?: string[]
  /** Chained parameters served (R4 has no element for them: named in the documentation of their reference parameter). */
  chains?: string[]
  /** Operations on the type (`GET /fhir/<type>/$<name>`), each with the parameters it knows. */
  operations?: { name: string; definition: string; documentation: string; params: string[] }[]
}

/** Parameters of every read and search (CapabilityStatement.rest.searchParam). */
export const ALL_TYPES_PARAMS: SearchParam[] = [
  { name: '_elements', type: 'special', documentation: 'Top-level elements to return, comma separated; the resource is tagged SUBSETTED (matches only, not includes)' },
]

/**
 * What is served, type by type: test/fhir-contract.test.ts holds it to the
 * route table, both ways, and search-controls.ts refuses (Prefer:
 * handling=strict) every parameter not listed here.
 */
export const SERVED: Partial<Record<ResourceType, Served>> = {
  AuditEvent: {
    interactions: ['read', 'search-type'],
    searchParams: [
      { name: 'patient', type: 'reference', documentation: 'Required. Readable by the tenant\'s privacy officer and by the patient themself only' },
      { name: 'date', type: 'date', documentation: 'ge, gt, le, lt, eq; may repeat' },
      { name: '_count', type: 'number', documentation: 'At most this many, newest first, 1–1000 (default 100)' },
    ],
  },
  Patient: {
    interactions: ['read', 'search-type'],
    searchParams: [{ name: 'identifier', type: 'token', documentation: 'urn:oid:2.16.578.1.12.4.1.4.1|<fødselsnummer> (the system may be left out)' }],
    searchRevInclude: ['Observation:subject', 'Observation:patient'],
  },
  Device: {
    interactions: ['read', 'search-type'],
    searchParams: [{ name: 'identifier', type: 'token', documentation: 'A gateway id or a BLE device id' }],
    searchRevInclude: ['Observation:device'],
  },
  Practitioner: {
    interactions: ['read', 'search-type'],
    searchParams: [{ name: 'identifier', type: 'token', documentation: 'urn:oid:2.16.578.1.12.4.1.4.4|<HPR number>; without it, every practitioner on the care teams the caller may read' }],
  },
  Organization: {
    interactions: ['read', 'search-type'],
    searchParams: [{ name: 'identifier', type: 'token', documentation: 'urn:oid:2.16.578.1.12.4.1.4.101|<organisation number>: the municipality itself' }],
  },
  Observation: {
    interactions: ['read', 'search-type'],
    searchParams: [
      { name: 'patient', type: 'reference', documentation: 'Required (or subject, or the chain patient.identifier=urn:oid:2.16.578.1.12.4.1.4.1|<fødselsnummer>)' },
      { name: 'subject', type: 'reference' },
      { name: 'code', type: 'token', documentation: 'LOINC; blood pressure is the panel 85354-9' },
      { name: 'combo-code', type: 'token', documentation: 'LOINC of the Observation or of a component (8480-6, 8462-4 find the blood-pressure panels)' },
      { name: 'date', type: 'date', documentation: 'ge, gt, le, lt, eq; may repeat' },
      { name: '_count', type: 'number', documentation: 'Page size, 1–1000 (default 100); further pages by the next link' },
      { name: '_cursor', type: 'string', documentation: 'Opaque: the position of a next link, as the server gave it' },
      { name: '_sort', type: 'special', documentation: 'date (oldest first, the default) or -date (newest first); paged by the next link either way' },
      { name: '_summary', type: 'special', documentation: 'count only: a Bundle with the total and no entries' },
    ],
    searchInclude: ['Observation:patient', 'Observation:subject', 'Observation:device'],
    chains: ['patient.identifier'],
    operations: [{
      name: 'lastn', definition: 'http://hl7.org/fhir/OperationDefinition/Observation-lastn',
      documentation: 'GET only: the newest max (1–100, default 1) Observations of each code, newest first; patient (or subject) required; code (LOINC, comma = OR) and category=vital-signs optional',
      params: ['patient', 'subject', 'code', 'category', 'max'],
    }],
  },
  CareTeam: {
    interactions: ['read', 'search-type'],
    searchParams: [
      { name: 'patient', type: 'reference', documentation: 'Required (or subject). One CareTeam per patient, its id the patient\'s; participants with role, period and the trust framework\'s relationship metadata (extension urn:varde:fhir:extension:care-relationship)' },
      { name: 'subject', type: 'reference' },
    ],
  },
}

/** The CapabilityStatement of `GET /fhir/metadata`: exactly what is served (platform-contract.md "FHIR R4"). */
export function capabilityStatement(baseUrl: string): CapabilityStatement {
  const resource = Object.entries(SERVED).map(([type, s]): CapabilityStatementRestResource => ({
    type: type as ResourceType,
    interaction: s.interactions.map((code) => ({ code })),
    searchParam: s.searchParams,
    ...(s.searchInclude ? { searchInclude: s.searchInclude } : {}),
    ...(s.searchRevInclude ? { searchRevInclude: s.searchRevInclude } : {}),
    ...(s.operations ? { operation: s.operations.map((o) => ({ name: o.name, definition: o.definition, documentation: o.documentation })) } : {}),
  }))
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: '2026-12-07',
    kind: 'instance',
    software: { name: 'Varde', version: '0.1.0' },
    implementation: { description: 'Varde digital home monitoring (read-only FHIR R4)', url: baseUrl },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json'],
    rest: [{
      mode: 'server',
      security: {
        // SMART App Launch 2.x: the token endpoint is in /.well-known/smart-configuration; this extension says so too
        extension: [{ url: 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris', extension: [{ url: 'token', valueUri: `${baseUrl}/auth/token` }] }],
        service: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'SMART-on-FHIR' }] }],
        description: 'Session cookie or Authorization: Bearer <token>; systems: OAuth 2.0 client credentials with private_key_jwt (SMART Backend Services, system/*.read). Every read is access-controlled (care relationship) and audited.',
      },
      resource,
      searchParam: ALL_TYPES_PARAMS,
    }],
  }
}
