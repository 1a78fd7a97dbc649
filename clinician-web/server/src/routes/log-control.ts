import {
  accessReportSchema, auditEntryIdParams, auditEntryListSchema, auditEntryQuerySchema, auditEntrySchema, auditExportQuerySchema, auditReviewBody,
  controlReportQuerySchema, controlSummaryQuerySchema, emergencyAccessBody, emergencyAccessSchema, errorBody, idParams, type AccessReportEntry, type AuditEntry,
} from '@varde/api-contract'
import { Readable } from 'node:stream'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { LogEntry } from '../access/types.js'
import { controlReportCsv, controlSummaryCsv, controlSummaryPdf, exportCsv } from '../log-report.js'
import { accessOf, requireUser } from '../plugins/auth.js'

export const toAuditEntry = (e: LogEntry): AuditEntry => ({
  id: e.id, at: e.at.toISOString(), actor: e.actor, actorName: e.actorName, actorRole: e.actorRole, organisation: e.organisation, hpr: e.hpr,
  patientId: e.patientId, patientName: e.patientName, action: e.action, resourceType: e.resourceType, resourceId: e.resourceId,
  outcome: e.outcome, purpose: e.purpose, reason: e.reason, ip: e.ip, client: e.client, flags: e.flags,
  review: e.review ? { reviewedAt: e.review.reviewedAt.toISOString(), reviewedBy: e.review.reviewedBy, note: e.review.note } : null,
})

const toReportEntry = (e: LogEntry): AccessReportEntry => ({
  id: e.id, at: e.at.toISOString(), who: e.actorName ?? e.actor, role: e.actorRole, organisation: e.organisation,
  // a read under an emergency access is for that purpose, whatever the session's default says
  action: e.action, resourceType: e.resourceType, purpose: e.flags.includes('emergency') ? 'emergency' : e.purpose, reason: e.reason,
})

/**
 * Log control (issue 19): emergency access (break the glass), the privacy
 * officer's log with its flags and reviews and the monthly control report,
 * and the patient's own access report. All through the access layer.
 */
export const logControlRoutes: FastifyPluginAsyncZod = async (app) => {
  app.addHook('preHandler', requireUser)

  app.post('/api/patients/:id/emergency-access', {
    config: { access: 'emergency' },
    schema: {
      tags: ['log control'], summary: 'Emergency access (nødrett, break the glass): 4 hours to a patient without a care relationship, with a reason; flagged for review',
      params: idParams, body: emergencyAccessBody, response: { 201: emergencyAccessSchema, 401: errorBody, 403: errorBody, 404: errorBody },
    },
  }, async (request, reply) => {
    const grant = await accessOf(request).emergency.open(request.params.id, request.body.reason, request.body.password)
    return reply.code(201).send({ patientId: grant.patientId, expiresAt: grant.expiresAt.toISOString() })
  })

  app.get('/api/log-control/entries', {
    config: { access: 'log' },
    schema: {
      tags: ['log control'], summary: 'The tenant\'s access log with its review flags, newest first (privacy officer)',
      querystring: auditEntryQuerySchema, response: { 200: auditEntryListSchema, 403: errorBody },
    },
  }, async (request) => {
    const q = request.query
    const rows = await accessOf(request).logControl.entries({
      limit: q.limit, show: q.show, ...(q.patient ? { patientId: q.patient } : {}), ...(q.user ? { username: q.user } : {}),
      ...(q.from ? { from: new Date(q.from) } : {}), ...(q.to ? { to: new Date(q.to) } : {}), ...(q.action ? { action: q.action } : {}),
      ...(q.outcome ? { outcome: q.outcome } : {}),
    })
    return { items: rows.map(toAuditEntry) }
  })

  app.get('/api/log-control/entries/:id', {
    config: { access: 'log' },
    schema: { tags: ['log control'], summary: 'One access-log entry with its flags and review', params: auditEntryIdParams, response: { 200: auditEntrySchema, 403: errorBody, 404: errorBody } },
  }, async (request) => toAuditEntry(await accessOf(request).logControl.entry(request.params.id)))

  app.post('/api/log-control/entries/:id/review', {
    config: { access: 'log' },
    schema: {
      tags: ['log control'], summary: 'Marks an entry reviewed with a note (the review is logged; a second review keeps the first)',
      params: auditEntryIdParams, body: auditReviewBody, response: { 200: auditEntrySchema, 403: errorBody, 404: errorBody },
    },
  }, async (request) => toAuditEntry(await accessOf(request).logControl.review(request.params.id, request.body.note)))

  app.get('/api/log-control/report', {
    config: { access: 'log' },
    schema: {
      tags: ['log control'], summary: 'The monthly control report: every flagged entry of the month, as CSV (text/csv)',
      querystring: controlReportQuerySchema, response: { 200: z.string().describe('CSV, one line per flagged entry'), 403: errorBody },
    },
  }, async (request, reply) => {
    const rows = await accessOf(request).logControl.monthReport(request.query.month)
    return reply.type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="loggkontroll-${request.query.month}.csv"`)
      .send(controlReportCsv(rows))
  })

  app.get('/api/log-control/export', {
    config: { access: 'log' },
    schema: {
      tags: ['log control'], summary: 'The filtered access log, whole, newest first, streamed as CSV or JSON lines (privacy officer; the export is logged)',
      querystring: auditExportQuerySchema, response: { 200: z.any().describe('CSV (text/csv) or JSON lines (application/x-ndjson), one entry a line'), 403: errorBody },
    },
  }, async (request, reply) => {
    const { format, ...q } = request.query
    const entries = await accessOf(request).logControl.exportEntries({
      show: q.show, ...(q.patient ? { patientId: q.patient } : {}), ...(q.user ? { username: q.user } : {}),
      ...(q.from ? { from: new Date(q.from) } : {}), ...(q.to ? { to: new Date(q.to) } : {}), ...(q.action ? { action: q.action } : {}),
      ...(q.outcome ? { outcome: q.outcome } : {}),
    }, format)
    const day = new Date().toISOString().slice(0, 10)
    const lines = format === 'csv' ? exportCsv(entries) : jsonLines(entries)
    return reply.type(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8')
      .header('content-disposition', `attachment; filename="tilgangslogg-${day}.${format === 'csv' ? 'csv' : 'jsonl'}"`)
      .send(Readable.from(lines))
  })

  app.get('/api/log-control/report/summary', {
    config: { access: 'log' },
    schema: {
      tags: ['log control'], summary: 'The monthly control report\'s figures (counts by action and outcome, flags raised and reviewed, emergency accesses, denied attempts, busiest users) as PDF or CSV',
      querystring: controlSummaryQuerySchema, response: { 200: z.any().describe('application/pdf or text/csv'), 403: errorBody },
    },
  }, async (request, reply) => {
    const { month, format } = request.query
    const report = await accessOf(request).logControl.monthSummary(month, format)
    reply.header('content-disposition', `attachment; filename="loggkontroll-${month}-oppsummert.${format}"`)
    if (format === 'csv') return reply.type('text/csv; charset=utf-8').send(controlSummaryCsv(report))
    return reply.type('application/pdf').send(await controlSummaryPdf(report, new Date()))
  })

  app.get('/api/me/access-report', {
    config: { access: 'log' },
    schema: {
      tags: ['log control'], summary: 'The patient\'s own access report: who has seen or received my data, when and why (patient users)',
      response: { 200: accessReportSchema, 404: errorBody },
    },
  }, async (request) => {
    const r = await accessOf(request).logControl.patientReport('self', { limit: 500 })
    return { patientName: r.patient.displayName, items: r.items.map(toReportEntry) }
  })
}

async function* jsonLines(entries: AsyncIterable<LogEntry>): AsyncGenerator<string> {
  for await (const e of entries) yield `${JSON.stringify(toAuditEntry(e))}\n`
}
