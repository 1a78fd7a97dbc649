import { calculateJwkThumbprint, decodeProtectedHeader, importJWK, jwtVerify, type JWK } from 'jose'
import { createHash, randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { D_NUMBER_SYSTEM, NATIONAL_ID_SYSTEM } from '../fhir/identifiers.js'
import { MUNICIPALITY_NUMBER_SYSTEM, PMD_BUNDLE_PROFILE, PMD_RESPONSE_PROFILE } from './pmd-bundle.js'
import { LOINC, ORGANISATION_NUMBER_SYSTEM, SNOMED, VKP_CANONICAL } from './vkp-observation.js'

export interface PmdStandIn {
  /** The base URL Bundles are POSTed to (VARDE_PMD_BASE_URL in a test or demo mode). */
  url: string
  /** Accepts this DPoP-bound token for proofs by the key with this JWK thumbprint (cnf.jkt). */
  acceptToken(token: string, jkt: string): void
  /** The next requests answer these HTTP statuses (e.g. 503) before reading anything. */
  failNext(statuses: number[]): void
  /** An entry whose Observation carries this reading id (its identifier) is answered with this status. */
  failReading(readingId: string, status: string): void
  /** Demands a DPoP nonce (RFC 9449 §9): a proof without the current one is answered 401 use_dpop_nonce. */
  demandNonce(on: boolean): void
  /** Observations stored, by fullUrl (a re-delivered one is stored once). */
  stored(): Map<string, Record<string, unknown>>
  /** What happened: requests, refusals by reason, entries answered. */
  stats(): { requests: number; refused: Record<string, number>; entries: number; created: number; repeated: number }
  close(): Promise<void>
}

const MAX_BODY_BYTES = 32 * 1024 * 1024
const IAT_SKEW_S = 60
const ASYMMETRIC = new Set(['ES256', 'ES384', 'ES512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'EdDSA'])

/**
 * A stand-in for Pasientens måledata 2.0 (issue 18, docs/decisions/0018),
 * for tests and demo mode: the service is not reachable from here. It
 * enforces the rules the adapter is built to (pmd-Bundle-Observation
 * claimed; `batch` of Observations only; unique fullUrl; a POST or PUT
 * request per entry; the municipality tag; the Bundle's identifier; per
 * entry a VkpObservation profile, the subject by national id or D-number
 * with a display, the performer by organisation number, SNOMED CT beside
 * LOINC) and checks the DPoP proof of every request (signature, typ, htm,
 * htu, iat, jti once, ath, the token's key binding, the nonce when it
 * demands one). It answers a `pmd-Bundle-Response`: one entry per entry,
 * the same fullUrl, its own status. Bundle-level faults are a 400; an
 * entry's fault is that entry's 400, the others stand. It keeps what it
 * stores in memory only.
 */
export async function startPmdStandIn(host = '127.0.0.1'): Promise<PmdStandIn> {
  const tokens = new Map<string, string>()
  const seenJti = new Map<string, number>()
  const store = new Map<string, Record<string, unknown>>()
  const plan: number[] = []
  const failReadings = new Map<string, string>()
  const stats = { requests: 0, refused: {} as Record<string, number>, entries: 0, created: 0, repeated: 0 }
  let nonce: string | undefined
  let origin = ''

  const refuse = (res: ServerResponse, status: number, reason: string, headers: Record<string, string> = {}) => {
    stats.refused[reason] = (stats.refused[reason] ?? 0) + 1
    res.writeHead(status, { 'content-type': 'application/fhir+json', ...headers })
    res.end(JSON.stringify({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: status === 401 ? 'security' : 'invalid', diagnostics: reason }] }))
  }

  const server: Server = createServer((req, res) => {
    stats.requests++
    handle(req, res).catch(() => refuse(res, 400, 'unreadable'))
  })

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const planned = plan.shift()
    if (planned) return refuse(res, planned, `told to answer ${planned}`)
    if (req.method !== 'POST' || new URL(req.url ?? '/', origin).pathname !== '/') return refuse(res, 405, 'only POST of a Bundle to the base URL')
    const problem = await checkDpop(req)
    if (problem === 'use_dpop_nonce') {
      return refuse(res, 401, 'use_dpop_nonce', { 'www-authenticate': 'DPoP error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof"', 'dpop-nonce': nonce as string })
    }
    if (problem) return refuse(res, 401, problem, { 'www-authenticate': `DPoP error="${problem.startsWith('token') ? 'invalid_token' : 'invalid_dpop_proof'}"` })
    const bundle = JSON.parse(await readBody(req)) as Record<string, unknown>
    const fault = bundleFault(bundle)
    if (fault) return refuse(res, 400, fault)
    const entries = bundle['entry'] as { fullUrl: string; resource: Record<string, unknown> }[]
    const answers = entries.map((e) => {
      stats.entries++
      const readingId = ((e.resource['identifier'] as { value?: string }[] | undefined) ?? [])[0]?.value
      const told = readingId ? failReadings.get(readingId) : undefined
      if (told) return { fullUrl: e.fullUrl, response: { status: told } }
      const entryFault = observationFault(e.resource)
      if (entryFault) {
        stats.refused[entryFault] = (stats.refused[entryFault] ?? 0) + 1
        return { fullUrl: e.fullUrl, response: { status: '400 Bad Request', outcome: { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'invalid', diagnostics: entryFault }] } } }
      }
      const performer = performerOrg(e.resource) as string
      const key = `${performer}|${e.fullUrl}`
      const isNew = !store.has(key)
      if (isNew) stats.created++
      else stats.repeated++
      store.set(key, e.resource)
      return { fullUrl: e.fullUrl, response: { status: isNew ? '201 Created' : '200 OK' } }
    })
    res.writeHead(200, { 'content-type': 'application/fhir+json', ...(nonce ? { 'dpop-nonce': nonce } : {}) })
    res.end(JSON.stringify({ resourceType: 'Bundle', meta: { profile: [PMD_RESPONSE_PROFILE] }, type: 'batch-response', entry: answers }))
  }

  /** RFC 9449 §4.3 and §7.1: null when the proof and token hold. */
  async function checkDpop(req: IncomingMessage): Promise<string | null> {
    const authorization = req.headers.authorization ?? ''
    const proof = req.headers.dpop
    if (!authorization.startsWith('DPoP ')) return 'token: not a DPoP-bound token'
    const token = authorization.slice(5).trim()
    const jkt = tokens.get(token)
    if (!jkt) return 'token: unknown'
    if (typeof proof !== 'string' || proof.includes(',')) return 'proof: missing or more than one'
    let header: ReturnType<typeof decodeProtectedHeader>
    try {
      header = decodeProtectedHeader(proof)
    } catch {
      return 'proof: not a JWT'
    }
    const jwk = header.jwk as JWK | undefined
    if (header.typ !== 'dpop+jwt' || !header.alg || !ASYMMETRIC.has(header.alg) || !jwk || 'd' in jwk) return 'proof: header (typ, alg, jwk)'
    let payload: Record<string, unknown>
    try {
      payload = (await jwtVerify(proof, await importJWK(jwk, header.alg), { typ: 'dpop+jwt', algorithms: [...ASYMMETRIC] })).payload
    } catch {
      return 'proof: signature'
    }
    if (await calculateJwkThumbprint(jwk) !== jkt) return 'proof: key not the one the token is bound to'
    if (payload['htm'] !== req.method) return 'proof: htm'
    if (payload['htu'] !== `${origin}${new URL(req.url ?? '/', origin).pathname}`) return 'proof: htu'
    const iat = payload['iat']
    const now = Date.now() / 1000
    if (typeof iat !== 'number' || Math.abs(now - iat) > IAT_SKEW_S) return 'proof: iat'
    const jti = payload['jti']
    if (typeof jti !== 'string' || jti.length < 16) return 'proof: jti'
    for (const [j, at] of seenJti) if (at < now - 2 * IAT_SKEW_S) seenJti.delete(j)
    if (seenJti.has(jti)) return 'proof: jti reused'
    if (payload['ath'] !== createHash('sha256').update(token).digest('base64url')) return 'proof: ath'
    if (nonce && payload['nonce'] !== nonce) return 'use_dpop_nonce'
    seenJti.set(jti, now)
    return null
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, host, () => resolve())
  })
  const { port } = server.address() as AddressInfo
  origin = `http://${host}:${port}`
  return {
    url: `${origin}/`,
    acceptToken: (token, jkt) => { tokens.set(token, jkt) },
    failNext: (statuses) => { plan.push(...statuses) },
    failReading: (readingId, status) => { failReadings.set(readingId, status) },
    demandNonce: (on) => { nonce = on ? randomBytes(16).toString('base64url') : undefined },
    stored: () => new Map(store),
    stats: () => structuredClone(stats),
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    }),
  }
}

/** The Bundle-level rules of pmd-Bundle-Observation; null when they hold. */
export function bundleFault(b: Record<string, unknown>): string | null {
  if (b['resourceType'] !== 'Bundle') return 'not a Bundle'
  if (b['type'] !== 'batch') return 'Bundle.type is not batch'
  const meta = (b['meta'] ?? {}) as { profile?: unknown[]; tag?: { system?: string; code?: string }[] }
  if (!meta.profile?.includes(PMD_BUNDLE_PROFILE)) return 'pmd-Bundle-Observation not claimed'
  if (!meta.tag?.some((t) => t.system === MUNICIPALITY_NUMBER_SYSTEM && /^[0-9]{4}$/.test(t.code ?? ''))) return 'no municipality number tag'
  const identifier = b['identifier'] as { system?: string; value?: string } | undefined
  if (!identifier?.system || !identifier.value) return 'no Bundle.identifier'
  const entries = b['entry']
  if (!Array.isArray(entries) || entries.length === 0) return 'no entries'
  const urls = new Set<string>()
  for (const e of entries as { fullUrl?: unknown; resource?: { resourceType?: unknown }; request?: { method?: unknown; url?: unknown } }[]) {
    if (e.resource?.resourceType !== 'Observation') return 'an entry is not an Observation'
    if (e.request?.method !== 'POST' && e.request?.method !== 'PUT') return 'an entry has no request POST or PUT'
    if (typeof e.request.url !== 'string' || !e.request.url.startsWith('Observation')) return 'an entry request has no Observation url'
    if (typeof e.fullUrl !== 'string' || e.fullUrl.length === 0) return 'an entry has no fullUrl'
    if (urls.has(e.fullUrl)) return 'fullUrl not unique'
    urls.add(e.fullUrl)
  }
  return null
}

/** An entry's rules (the VkpObservation profiles as the adapter claims them); null when they hold. */
export function observationFault(o: Record<string, unknown>): string | null {
  const profiles = ((o['meta'] as { profile?: unknown[] } | undefined)?.profile ?? []) as string[]
  if (!profiles.some((p) => typeof p === 'string' && p.startsWith(`${VKP_CANONICAL}/StructureDefinition/vkp-Observation`))) return 'no VkpObservation profile claimed'
  const subject = o['subject'] as { identifier?: { system?: string; value?: string }; display?: string } | undefined
  const system = subject?.identifier?.system
  if ((system !== NATIONAL_ID_SYSTEM && system !== D_NUMBER_SYSTEM) || !/^[0-9]{11}$/.test(subject?.identifier?.value ?? '')) return 'subject not by national id or D-number'
  if (!subject?.display) return 'subject without display'
  if (!performerOrg(o)) return 'no performer by organisation number'
  const codings = ((o['code'] as { coding?: { system?: string }[] } | undefined)?.coding ?? [])
  if (!codings.some((c) => c.system === SNOMED) || !codings.some((c) => c.system === LOINC)) return 'code without SNOMED CT and LOINC'
  if (!o['effectiveDateTime'] && !o['effectiveInstant'] && !o['effectivePeriod']) return 'no effective time'
  if (!o['valueQuantity'] && !Array.isArray(o['component'])) return 'no value'
  return null
}

function performerOrg(o: Record<string, unknown>): string | undefined {
  const performers = (o['performer'] ?? []) as { identifier?: { system?: string; value?: string } }[]
  return performers.find((p) => p.identifier?.system === ORGANISATION_NUMBER_SYSTEM && /^[0-9]{9}$/.test(p.identifier.value ?? ''))?.identifier?.value
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
