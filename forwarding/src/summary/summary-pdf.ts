import PDFDocument from 'pdfkit'
import type { SummaryText } from './summary-narrative.js'

/**
 * The weekly summary as a PDF a GP can file (issue 18): the same words as the
 * report's narrative, on A4, in the standard Helvetica (WinAnsi has æøå). Its
 * creation date is the week's end, so the same week renders the same file.
 */
export function summaryPdf(text: SummaryText, createdAt: Date): Promise<Buffer> {
  const doc = new PDFDocument({ size: 'A4', margin: 56, info: { Title: `${text.title} ${text.period}`, Author: text.senderLine, Creator: 'Varde', CreationDate: createdAt } })
  const chunks: Buffer[] = []
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c))
    doc.on('end', () => resolve(Buffer.concat(chunks)))
    doc.on('error', reject)
  })
  doc.font('Helvetica-Bold').fontSize(16).text(text.title)
  doc.moveDown(0.3).font('Helvetica').fontSize(10).text(`Periode: ${text.period}`).text(`Pasient: ${text.patientLine}`).text(`Fra: ${text.senderLine}`)
  const section = (heading: string, lines: string[]) => {
    doc.moveDown(0.8).font('Helvetica-Bold').fontSize(12).text(heading)
    doc.font('Helvetica').fontSize(10)
    for (const line of lines) doc.moveDown(0.2).text(line, { indent: 10 })
  }
  section('Målinger og trend', text.vitals)
  section('Varsler og utfall', text.alerts)
  section('Etterlevelse', [text.adherence])
  section('Oppsummert', [text.conclusion])
  doc.end()
  return done
}
