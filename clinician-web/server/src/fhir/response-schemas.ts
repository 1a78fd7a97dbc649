import { z } from 'zod'

/**
 * The shapes of what FHIR answers, as the routes' response schemas: the
 * elements Varde fills are named and typed, the rest of each resource passes
 * as is (loose objects: FHIR's own rules are checked by the R4 validator in
 * test/fhir-validation.test.ts, not re-declared here). An answer that breaks
 * its shape is a 500 (a defect of ours), never a malformed resource sent on.
 */
const reference = z.looseObject({ reference: z.string() })
const coding = z.looseObject({ system: z.string(), code: z.string() })
const concept = z.looseObject({ coding: z.array(coding).optional(), text: z.string().optional() })
const identifier = z.looseObject({ system: z.string(), value: z.string() })
const quantity = z.looseObject({ value: z.number(), unit: z.string(), system: z.literal('http://unitsofmeasure.org'), code: z.string() })
const meta = z.looseObject({ lastUpdated: z.string().optional(), profile: z.array(z.string()).optional(), tag: z.array(coding).optional() })
const id = z.string().regex(/^[A-Za-z0-9.-]{1,64}$/)

export const patientSchema = z.looseObject({
  resourceType: z.literal('Patient'), id, active: z.boolean(), identifier: z.array(identifier).optional(),
  name: z.array(z.looseObject({ text: z.string() })), birthDate: z.string().optional(),
})

export const deviceSchema = z.looseObject({
  resourceType: z.literal('Device'), id, identifier: z.array(identifier).min(1), status: z.literal('active'),
  type: concept, parent: reference.optional(), patient: reference.optional(),
})

export const observationSchema = z.looseObject({
  resourceType: z.literal('Observation'), id, meta, status: z.literal('final'), category: z.array(concept).min(1), code: concept,
  subject: reference, effectiveDateTime: z.string(),
  // a device measured it, or the patient answered it herself (ADR 0042): one of the two
  device: reference.optional(), performer: z.array(reference).min(1).optional(),
  valueQuantity: quantity.optional(), component: z.array(z.looseObject({ code: concept, valueQuantity: quantity })).optional(),
}).refine((o) => (o.valueQuantity === undefined) !== (o.component === undefined), 'an Observation has a value or components')
  .refine((o) => (o.device === undefined) !== (o.performer === undefined), 'an Observation names its device or its performer')

export const practitionerSchema = z.looseObject({
  resourceType: z.literal('Practitioner'), id, meta, identifier: z.array(identifier).optional(), active: z.boolean(), name: z.array(z.looseObject({ text: z.string() })),
})

export const organizationSchema = z.looseObject({
  resourceType: z.literal('Organization'), id, meta, identifier: z.array(identifier).optional(), active: z.boolean(), name: z.string(),
})

export const careTeamSchema = z.looseObject({
  resourceType: z.literal('CareTeam'), id, status: z.enum(['active', 'inactive']), subject: reference,
  participant: z.array(z.looseObject({
    role: z.array(concept).min(1), member: z.looseObject({ display: z.string().optional() }),
    period: z.looseObject({ start: z.string(), end: z.string().optional() }),
    extension: z.array(z.looseObject({ url: z.string(), extension: z.array(z.looseObject({ url: z.string() })) })).min(1),
  })),
})

/** A searchset of `resource` matches, and of `included` ones where the search has `_include`. */
export const searchsetSchema = <T extends z.ZodType>(resource: T, included: z.ZodType[] = []) => z.looseObject({
  resourceType: z.literal('Bundle'), type: z.literal('searchset'), total: z.number().int().optional(),
  link: z.array(z.looseObject({ relation: z.string(), url: z.string() })),
  entry: z.array(z.union([
    z.looseObject({ fullUrl: z.string(), resource, search: z.looseObject({ mode: z.literal('match') }) }),
    ...included.map((r) => z.looseObject({ fullUrl: z.string(), resource: r, search: z.looseObject({ mode: z.literal('include') }) })),
  ])),
})

export const operationOutcomeSchema = z.looseObject({
  resourceType: z.literal('OperationOutcome'),
  issue: z.array(z.looseObject({ severity: z.enum(['fatal', 'error', 'warning', 'information']), code: z.string(), diagnostics: z.string().optional() })).min(1),
})

export const capabilityStatementSchema = z.looseObject({
  resourceType: z.literal('CapabilityStatement'), status: z.literal('active'), fhirVersion: z.literal('4.0.1'), kind: z.literal('instance'),
  format: z.array(z.string()),
  rest: z.array(z.looseObject({ mode: z.literal('server'), resource: z.array(z.looseObject({ type: z.string(), interaction: z.array(z.looseObject({ code: z.string() })) })) })),
})

export const auditEventSchema = z.looseObject({
  resourceType: z.literal('AuditEvent'), id, type: coding, action: z.string(), recorded: z.string(), outcome: z.string(),
  agent: z.array(z.looseObject({ requestor: z.boolean() })).min(1), source: z.looseObject({ observer: z.looseObject({}) }),
  entity: z.array(z.looseObject({})).optional(),
})

/** Every refusal a FHIR route can give (errors/api-errors.ts), as an OperationOutcome. */
export const refusals = { 400: operationOutcomeSchema, 401: operationOutcomeSchema, 403: operationOutcomeSchema, 404: operationOutcomeSchema, 500: operationOutcomeSchema }
