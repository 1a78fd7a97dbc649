import type { WeeklySummaryData } from '@varde/db'
import { createOnce, patientReference, type FhirResource } from '../fhir/identifiers.js'
import { LOINC } from '../pmd/vkp-observation.js'
import type { SummaryText } from './summary-narrative.js'

export const SUMMARY_ID_SYSTEM = 'urn:varde:weekly-summary-id'

/**
 * The weekly summary as a `DiagnosticReport` (issue 18): the narrative in
 * `text` (generated XHTML), the conclusion, and the PDF as `presentedForm`;
 * created once per patient and week (its identifier), so a re-delivery
 * finds the first.
 */
export function summaryReport(s: WeeklySummaryData, text: SummaryText, pdf: Buffer, issued: Date): FhirResource {
  const identifier = { system: SUMMARY_ID_SYSTEM, value: `${s.patient.id}/${s.window.start.toISOString()}` }
  const list = (items: string[]) => `<ul>${items.map((i) => `<li>${escape(i)}</li>`).join('')}</ul>`
  const div = `<div xmlns="http://www.w3.org/1999/xhtml"><h2>${escape(text.title)}</h2>`
    + `<p>Periode: ${escape(text.period)}<br/>Pasient: ${escape(text.patientLine)}<br/>Fra: ${escape(text.senderLine)}</p>`
    + `<h3>Målinger og trend</h3>${list(text.vitals)}<h3>Varsler og utfall</h3>${list(text.alerts)}`
    + `<h3>Etterlevelse</h3><p>${escape(text.adherence)}</p></div>`
  return {
    resourceType: 'DiagnosticReport',
    identifier: [identifier],
    text: { status: 'generated', div },
    status: 'final',
    // LOINC 11506-3 "Progress note": the nearest general code we know for a periodic follow-up summary (docs/decisions/0018)
    code: { coding: [{ system: LOINC, code: '11506-3', display: 'Progress note' }], text: text.title },
    subject: patientReference(s.patient),
    effectivePeriod: { start: s.window.start.toISOString(), end: s.window.end.toISOString() },
    issued: issued.toISOString(),
    performer: [{ display: s.sender.name }],
    conclusion: text.conclusion,
    presentedForm: [{ contentType: 'application/pdf', language: 'nb', data: pdf.toString('base64'), title: `Ukesoppsummering ${text.period}.pdf`, creation: s.window.end.toISOString() }],
  }
}

export function summaryBundle(report: FhirResource): FhirResource {
  const identifier = (report['identifier'] as { system: string; value: string }[])[0] as { system: string; value: string }
  return { resourceType: 'Bundle', type: 'batch', entry: [createOnce(report, identifier)] }
}

function escape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}
