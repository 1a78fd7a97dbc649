import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { simpleParser, type ParsedMail } from 'mailparser'
import { SMTPServer } from 'smtp-server'

/**
 * Real receivers for tests: an SMTP server and an HTTP server on loopback
 * free ports that keep what they receive, to be awaited (never polled).
 * Test-only: `smtp-server` and `mailparser` are devDependencies.
 */

/** What arrived, in order; `next()` waits for the next one not yet taken. */
export class Inbox<T> {
  readonly all: T[] = []
  #taken = 0
  #waiters: ((value: T) => void)[] = []

  push(value: T): void {
    this.all.push(value)
    const waiter = this.#waiters.shift()
    if (waiter) {
      this.#taken++
      waiter(value)
    }
  }

  next(timeoutMs = 10_000): Promise<T> {
    if (this.#taken < this.all.length) return Promise.resolve(this.all[this.#taken++] as T)
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter)
        reject(new Error(`nothing arrived within ${timeoutMs} ms`))
      }, timeoutMs)
      const waiter = (value: T) => {
        clearTimeout(timer)
        resolve(value)
      }
      this.#waiters.push(waiter)
    })
  }
}

export interface ReceivedMail {
  /** The SMTP envelope. */
  from: string
  to: string[]
  /** Who logged in, if the client authenticated. */
  username: string | undefined
  raw: string
  parsed: ParsedMail
}

export interface SmtpSink {
  /** `smtp://user:secret@127.0.0.1:<port>`: any credentials are accepted. */
  url: string
  port: number
  mails: Inbox<ReceivedMail>
  close(): Promise<void>
}

/** An SMTP server that accepts every message (STARTTLS off: loopback only). */
export async function startSmtpSink(): Promise<SmtpSink> {
  const mails = new Inbox<ReceivedMail>()
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    authOptional: true,
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, callback) {
      callback(null, { user: auth.username })
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = []
      stream.on('data', (chunk: Buffer) => chunks.push(chunk))
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8')
        simpleParser(raw).then(
          (parsed) => {
            mails.push({
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              to: session.envelope.rcptTo.map((r) => r.address),
              username: typeof session.user === 'string' ? session.user : undefined,
              raw,
              parsed,
            })
            callback()
          },
          (error: Error) => callback(error),
        )
      })
    },
  })
  const port = await new Promise<number>((resolve, reject) => {
    server.on('error', reject)
    const listening = server.listen(0, '127.0.0.1', () => resolve((listening.address() as AddressInfo).port))
  })
  return {
    url: `smtp://sink:sink-password@127.0.0.1:${port}`,
    port,
    mails,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

export interface ReceivedRequest {
  method: string
  path: string
  headers: IncomingHttpHeaders
  body: string
  /** The status this request was answered with. */
  status: number
}

export interface WebhookSink {
  url: string
  requests: Inbox<ReceivedRequest>
  /** The status the next requests are answered with (default 204). */
  answerWith(status: number): void
  close(): Promise<void>
}

/** An HTTP server that keeps every request and answers with a chosen status. */
export async function startWebhookSink(path = '/hooks/varde'): Promise<WebhookSink> {
  const requests = new Inbox<ReceivedRequest>()
  let status = 204
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const answered = status
      res.writeHead(answered).end()
      requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), status: answered })
    })
  })
  const port = await new Promise<number>((resolve, reject) => {
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port))
  })
  return {
    url: `http://127.0.0.1:${port}${path}`,
    requests,
    answerWith: (s) => { status = s },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    }),
  }
}
