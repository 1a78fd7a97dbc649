import PDFDocument from 'pdfkit'
import type { LogEntry, LogPeriodSummary } from './access/types.js'

const COLUMNS = ['id', 'time', 'user', 'name', 'role', 'hpr', 'organisation', 'patient', 'action', 'resource', 'outcome', 'purpose', 'reason', 'flags', 'reviewed', 'reviewed by', 'note'] as const

/** A CSV field (RFC 4180), with a formula's first character neutralised (a spreadsheet would run `=…`). */
function field(value: string | null | undefined): string {
  let s = value ?? ''
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

/** The monthly control report (issue 19) as CSV: one line per flagged entry, with its review. */
export function controlReportCsv(rows: LogEntry[]): string {
  const lines = rows.map((e) => [
    e.id, e.at.toISOString(), e.actor, e.actorName, e.actorRole, e.hpr, e.organisation, e.patientName ?? e.patientId, e.action, e.resourceType,
    e.outcome, e.purpose, e.reason, e.flags.join(' '), e.review?.reviewedAt.toISOString(), e.review?.reviewedBy, e.review?.note,
  ].map(field).join(','))
  return `${[COLUMNS.join(','), ...lines].join('\r\n')}\r\n`
}

const EXPORT_COLUMNS = [...COLUMNS, 'patient id', 'resource id', 'ip', 'client'] as const

/**
 * The export of the filtered log (issue 19) as CSV, a line as each entry
 * comes: the same quoting as the report (RFC 4180 and formula neutralising,
 * which a general CSV library does not do for us; see docs/decisions/0025).
 */
export async function* exportCsv(entries: AsyncIterable<LogEntry>): AsyncGenerator<string> {
  yield `${EXPORT_COLUMNS.join(',')}\r\n`
  for await (const e of entries) {
    yield `${[
      e.id, e.at.toISOString(), e.actor, e.actorName, e.actorRole, e.hpr, e.organisation, e.patientName ?? e.patientId, e.action, e.resourceType,
      e.outcome, e.purpose, e.reason, e.flags.join(' '), e.review?.reviewedAt.toISOString(), e.review?.reviewedBy, e.review?.note,
      e.patientId, e.resourceId, e.ip, e.client,
    ].map(field).join(',')}\r\n`
  }
}

/** The monthly control report's figures as CSV: one line per figure (section, key, outcome, count, and for flags reviewed). */
export function controlSummaryCsv(r: ControlSummary): string {
  const lines: (string | number | null)[][] = [['section', 'key', 'outcome', 'count', 'reviewed']]
  lines.push(['total', 'entries', '', r.summary.total, ''])
  lines.push(['total', 'emergency accesses', '', r.summary.emergencyAccesses, ''])
  lines.push(['total', 'denied attempts', '', r.summary.denied, ''])
  for (const a of r.summary.byAction) lines.push(['action', a.action, a.outcome, a.count, ''])
  for (const f of r.flags) lines.push(['flag', f.flag, '', f.raised, f.reviewed])
  for (const u of r.summary.topUsers) lines.push(['user', u.actor, '', u.entries, ''])
  return `${lines.map((l) => l.map((v) => field(v === null ? '' : String(v))).join(',')).join('\r\n')}\r\n`
}

export interface ControlSummary {
  month: string
  tenantName: string
  summary: LogPeriodSummary
  flags: { flag: string; raised: number; reviewed: number }[]
}

/** The monthly control report as a PDF (bokmål, A4, standard Helvetica: WinAnsi has æøå), as the weekly summary is (forwarding). */
export function controlSummaryPdf(r: ControlSummary, createdAt: Date): Promise<Buffer> {
  const doc = new PDFDocument({ size: 'A4', margin: 56, info: { Title: `Loggkontroll ${r.month}`, Author: r.tenantName, Creator: 'Varde', CreationDate: createdAt } })
  const chunks: Buffer[] = []
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c))
    doc.on('end', () => resolve(Buffer.concat(chunks)))
    doc.on('error', reject)
  })
  doc.font('Helvetica-Bold').fontSize(16).text(`Månedlig loggkontroll ${r.month}`)
  doc.moveDown(0.3).font('Helvetica').fontSize(10).text(r.tenantName).text(`Laget ${createdAt.toISOString().slice(0, 16).replace('T', ' ')} UTC`)
  const section = (heading: string, lines: string[]) => {
    doc.moveDown(0.8).font('Helvetica-Bold').fontSize(12).text(heading)
    doc.font('Helvetica').fontSize(10)
    if (lines.length === 0) doc.moveDown(0.2).text('Ingen.', { indent: 10 })
    for (const line of lines) doc.moveDown(0.2).text(line, { indent: 10 })
  }
  section('Oppsummert', [
    `Oppføringer i loggen: ${r.summary.total}`,
    `Nødrettstilganger: ${r.summary.emergencyAccesses}`,
    `Avviste forsøk: ${r.summary.denied}`,
  ])
  section('Flagg til gjennomgang', r.flags.map((f) => `${FLAG_NB[f.flag] ?? f.flag}: ${f.raised} reist, ${f.reviewed} gjennomgått, ${f.raised - f.reviewed} åpne`))
  section('Handlinger', r.summary.byAction.map((a) => `${a.action} (${a.outcome === 'allowed' ? 'tillatt' : 'avvist'}): ${a.count}`))
  section('Brukere med flest oppføringer', r.summary.topUsers.map((u) => `${u.actorName ?? u.actor} (${u.actor}): ${u.entries} oppføringer, ${u.patients} pasienter`))
  doc.end()
  return done
}

const FLAG_NB: Record<string, string> = {
  emergency: 'Nødrett', 'no-relationship': 'Uten aktivt behandlingsforhold', 'after-hours': 'Utenfor arbeidstid',
  'same-surname': 'Samme etternavn', 'unusual-volume': 'Uvanlig mange pasienter', denied: 'Avvist',
}
