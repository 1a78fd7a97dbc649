import { Writable } from 'node:stream'
import { pino, type Logger } from 'pino'

export interface LogLine {
  event?: string
  gatewayId?: string
  clientId?: string
  [key: string]: unknown
}

/** A pino logger whose lines the test can read and await (refusals must be logged, with ids and never payloads). */
export function captureLogs(level: pino.Level = 'info'): { logger: Logger; lines: LogLine[]; raw: string[]; waitFor(match: (line: LogLine) => boolean): Promise<LogLine> } {
  const lines: LogLine[] = []
  const raw: string[] = []
  const waiters: { match: (line: LogLine) => boolean; resolve: (line: LogLine) => void }[] = []
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const text of chunk.toString().split('\n').filter(Boolean)) {
        raw.push(text)
        const line = JSON.parse(text) as LogLine
        lines.push(line)
        for (const w of [...waiters]) {
          if (w.match(line)) {
            waiters.splice(waiters.indexOf(w), 1)
            w.resolve(line)
          }
        }
      }
      callback()
    },
  })
  return {
    logger: pino({ level }, stream),
    lines,
    raw,
    waitFor(match) {
      const seen = lines.find(match)
      if (seen) return Promise.resolve(seen)
      return new Promise((resolve) => waiters.push({ match, resolve }))
    },
  }
}
