import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface DemoReceiver {
  /** The FHIR base URL deliveries are POSTed to. */
  url: string
  /** Resources received, by type (a re-delivered one counted once). */
  counts(): Record<string, number>
  close(): Promise<void>
}

const MAX_BODY_BYTES = 8 * 1024 * 1024

/**
 * The GP practice's FHIR endpoint built into demo mode
 * (platform-contract.md "Forwarding (demo mode)"), used when
 * VARDE_DEMO_GP_FHIR_URL is unset, so a newcomer sees deliveries delivered.
 * It answers a `batch` Bundle as a FHIR server would: a `batch-response`,
 * 201 for a resource it has not seen, 200 for one whose `ifNoneExist`
 * identifier it has. It keeps only those identifiers, in memory, on loopback;
 * it is a stand-in, not a store of health data.
 */
export async function startDemoReceiver(host = '127.0.0.1'): Promise<DemoReceiver> {
  const seen = new Map<string, Set<string>>()
  const server: Server = createServer((req, res) => {
    const answer = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/fhir+json' })
      res.end(JSON.stringify(body))
    }
    if (req.method !== 'POST') return answer(405, outcome('not-supported', 'only batch Bundles are received here'))
    readBody(req).then((text) => {
      const bundle = JSON.parse(text) as { resourceType?: string; type?: string; entry?: { resource?: { resourceType?: string }; request?: { ifNoneExist?: string } }[] }
      if (bundle.resourceType !== 'Bundle' || bundle.type !== 'batch') return answer(400, outcome('invalid', 'expected a batch Bundle'))
      const entry = (bundle.entry ?? []).map((e) => {
        const type = e.resource?.resourceType ?? 'unknown'
        const key = e.request?.ifNoneExist ?? crypto.randomUUID()
        const ofType = seen.get(type) ?? new Set<string>()
        seen.set(type, ofType)
        const isNew = !ofType.has(key)
        ofType.add(key)
        return { response: { status: isNew ? '201 Created' : '200 OK' } }
      })
      answer(200, { resourceType: 'Bundle', type: 'batch-response', entry })
    }).catch(() => answer(400, outcome('invalid', 'unreadable body')))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, host, () => resolve())
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `http://${host}:${port}/fhir`,
    counts: () => Object.fromEntries([...seen].map(([type, ids]) => [type, ids.size])),
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    }),
  }
}

function outcome(code: string, diagnostics: string) {
  return { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code, diagnostics }] }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > MAX_BODY_BYTES) throw new Error('body too large')
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks).toString('utf8')
}
