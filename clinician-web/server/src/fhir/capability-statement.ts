import type { CapabilityStatement, CapabilityStatementRestResource, ResourceType } from '@medplum/fhirtypes'

type SearchParam = { name: string; type: 'token' | 'reference' | 'date' | 'number'; documentation?: string }
/** What is served, type by type: test/fhir-contract.test.ts holds it to the route table, both ways. */
export const SERVED: Partial<Record<ResourceType, { interactions: ('read' | 'search-type')[]; searchParams: SearchParam[] }>> = {
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
  },
  Device: {
    interactions: ['read', 'search-type'],
    searchParams: [{ name: 'identifier', type: 'token', documentation: 'A gateway id or a BLE device id' }],
  },
  Observation: {
    interactions: ['read', 'search-type'],
    searchParams: [
      { name: 'patient', type: 'reference', documentation: 'Required (or subject)' },
      { name: 'subject', type: 'reference' },
      { name: 'code', type: 'token', documentation: 'LOINC; blood pressure is the panel 85354-9' },
      { name: 'combo-code', type: 'token', documentation: 'LOINC of the Observation or of a component (8480-6, 8462-4 find the blood-pressure panels)' },
      { name: 'date', type: 'date', documentation: 'ge, gt, le, lt, eq; may repeat' },
      { name: '_count', type: 'number', documentation: 'Page size, 1–1000 (default 100); further pages by the next link' },
    ],
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
      security: { description: 'Session cookie or Authorization: Bearer <token>. Every read is access-controlled (care relationship) and audited.' },
      resource,
    }],
  }
}
