import type { OpenAlert } from '../scenario/expectation-diff.js'

export interface PlatformCredentials {
  username: string
  password: string
}

/** The platform's HTTP API answered with something other than what platform-contract.md promises. */
export class PlatformApiError extends Error {
  readonly code = 'platform-api'
  constructor(
    readonly status: number | null,
    readonly url: string,
    detail: string,
  ) {
    super(`${url}: ${status === null ? '' : `HTTP ${status}: `}${detail}`)
    this.name = 'PlatformApiError'
  }
}

/** The parts of a FHIR Observation the simulator reads back. */
export interface StoredObservation {
  id: string
  loinc: string[]
  value: number | null
  unit: string | null
  at: Date | null
  /** `Device/<id>` reference, identifier value or display: whatever names the device. */
  deviceRefs: string[]
}

interface FhirBundle {
  resourceType?: string
  entry?: { resource?: Record<string, unknown> }[]
  link?: { relation?: string; url?: string }[]
}

/**
 * Reads the platform as outsiders do (platform-contract.md): a session cookie
 * from `POST /api/session`, FHIR R4 at `/fhir`, alerts at `/api/alerts`.
 */
export class PlatformClient {
  private cookie: string | null = null

  constructor(
    readonly baseUrl: string,
    private readonly timeoutMs = 15_000,
  ) {}

  async login(credentials: PlatformCredentials): Promise<void> {
    const url = new URL('/api/session', this.baseUrl).toString()
    const response = await this.fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(credentials),
    })
    if (response.status === 401) throw new PlatformApiError(401, url, `login refused for user "${credentials.username}"`)
    if (!response.ok) throw new PlatformApiError(response.status, url, 'login failed')
    const cookies = response.headers.getSetCookie().map((c) => c.split(';')[0]?.trim() ?? '').filter((c) => c !== '')
    if (cookies.length === 0) throw new PlatformApiError(response.status, url, 'no session cookie in the answer')
    this.cookie = cookies.join('; ')
  }

  async getJson(pathOrUrl: string): Promise<unknown> {
    const url = new URL(pathOrUrl, this.baseUrl).toString()
    const response = await this.fetch(url, {
      headers: { accept: 'application/fhir+json, application/json', ...(this.cookie ? { cookie: this.cookie } : {}) },
    })
    if (!response.ok) {
      const text = await response.text().catch(() => '')
      throw new PlatformApiError(response.status, url, text.slice(0, 200) || response.statusText)
    }
    try {
      return (await response.json()) as unknown
    } catch {
      throw new PlatformApiError(response.status, url, 'answer is not JSON')
    }
  }

  /** Sends JSON with the session cookie; answers the parsed body. A refusal names the platform's error message. */
  async sendJson(method: 'PUT' | 'POST', pathOrUrl: string, body: unknown): Promise<unknown> {
    const url = new URL(pathOrUrl, this.baseUrl).toString()
    const response = await this.fetch(url, {
      method,
      headers: { 'content-type': 'application/json', accept: 'application/json', ...(this.cookie ? { cookie: this.cookie } : {}) },
      body: JSON.stringify(body),
    })
    const text = await response.text().catch(() => '')
    if (!response.ok) {
      let detail = text.slice(0, 300) || response.statusText
      try {
        const error = (JSON.parse(text) as { error?: { code?: unknown; message?: unknown } }).error
        if (error) detail = [error.code, error.message].filter((x) => typeof x === 'string').join(': ')
      } catch {
        // not JSON: the text as it is
      }
      throw new PlatformApiError(response.status, url, detail)
    }
    try {
      return text === '' ? null : (JSON.parse(text) as unknown)
    } catch {
      throw new PlatformApiError(response.status, url, 'answer is not JSON')
    }
  }

  /** The IANA zone the platform reads the patient's schedules in (`GET /api/patients/:id/rules`). */
  async patientRuleTimeZone(patientId: string): Promise<string> {
    const path = `/api/patients/${encodeURIComponent(patientId)}/rules`
    const body = (await this.getJson(path)) as { timeZone?: unknown }
    if (typeof body.timeZone !== 'string') throw new PlatformApiError(200, path, 'no timeZone in the answer')
    return body.timeZone
  }

  /** Changes one rule for the patient, as a nurse does in the portal (`PUT /api/patients/:id/rules/:ruleId`). */
  async setPatientRule(
    patientId: string,
    ruleId: string,
    change: { kind?: string; params?: Record<string, unknown>; isEnabled?: boolean; reason?: string },
  ): Promise<unknown> {
    return this.sendJson('PUT', `/api/patients/${encodeURIComponent(patientId)}/rules/${encodeURIComponent(ruleId)}`, change)
  }

  /** FHIR Device resources with this identifier (a gateway id or a BLE device id). */
  async findDevices(identifier: string): Promise<Record<string, unknown>[]> {
    return this.searchAll(`/fhir/Device?identifier=${encodeURIComponent(identifier)}`)
  }

  /** The patient a gateway belongs to, from its FHIR Device's `patient` reference. */
  async patientIdOfGateway(gatewayId: string): Promise<string> {
    const devices = await this.findDevices(gatewayId)
    for (const device of devices) {
      const reference = (device['patient'] as { reference?: unknown } | undefined)?.reference
      if (typeof reference === 'string' && reference.includes('Patient/')) return reference.slice(reference.lastIndexOf('Patient/') + 8)
    }
    throw new PlatformApiError(null, '/fhir/Device', `no Device with identifier ${gatewayId} and a patient reference`)
  }

  /**
   * Observations of a patient with a LOINC code in [from, to], every page: by
   * `combo-code`, the Observation's code or a component's, since a blood
   * pressure is one panel Observation (85354-9) whose components are the
   * systolic and diastolic values (platform-contract.md "FHIR R4").
   */
  async observations(query: { patientId: string; loinc: string; from: Date | null; to: Date | null }): Promise<StoredObservation[]> {
    const params = new URLSearchParams({ patient: query.patientId, 'combo-code': query.loinc, _count: '500' })
    if (query.from) params.append('date', `ge${query.from.toISOString()}`)
    if (query.to) params.append('date', `le${query.to.toISOString()}`)
    const resources = await this.searchAll(`/fhir/Observation?${params.toString()}`)
    return resources.filter((r) => r['resourceType'] === 'Observation').map((r) => toStoredObservation(r, query.loinc))
  }

  /** `GET /api/alerts?status=open`: the open alerts the user may see. */
  async openAlerts(): Promise<OpenAlert[]> {
    const body = (await this.getJson('/api/alerts?status=open')) as { items?: unknown }
    if (!Array.isArray(body.items)) throw new PlatformApiError(200, '/api/alerts?status=open', 'no items list in the answer')
    return body.items.map((item) => {
      const a = item as Record<string, unknown>
      return {
        id: String(a['id'] ?? ''),
        patientId: String(a['patientId'] ?? ''),
        severity: String(a['severity'] ?? ''),
        status: String(a['status'] ?? ''),
        rule: String(a['rule'] ?? ''),
        openedAt: String(a['openedAt'] ?? ''),
        summary: String(a['summary'] ?? ''),
      }
    })
  }

  /** Follows a searchset's `next` links (at most 100 pages). */
  private async searchAll(path: string): Promise<Record<string, unknown>[]> {
    const resources: Record<string, unknown>[] = []
    let next: string | null = path
    for (let page = 0; next !== null && page < 100; page++) {
      const bundle = (await this.getJson(next)) as FhirBundle
      if (bundle.resourceType !== 'Bundle') throw new PlatformApiError(200, next, 'answer is not a FHIR Bundle')
      for (const entry of bundle.entry ?? []) if (entry.resource) resources.push(entry.resource)
      next = bundle.link?.find((l) => l.relation === 'next')?.url ?? null
    }
    return resources
  }

  private async fetch(url: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(url, { ...init, signal: AbortSignal.timeout(this.timeoutMs) })
    } catch (error) {
      throw new PlatformApiError(null, url, `cannot reach the platform (${(error as Error).message})`)
    }
  }
}

type Quantity = { value?: unknown; code?: unknown; unit?: unknown }
type Concept = { coding?: { code?: unknown }[] }

/** The value of `loinc` in an Observation: its own, or that of its component with that code (a panel's). */
function toStoredObservation(r: Record<string, unknown>, loinc: string): StoredObservation {
  const components = (r['component'] as { code?: Concept; valueQuantity?: Quantity }[] | undefined) ?? []
  const component = components.find((c) => c.code?.coding?.some((x) => x.code === loinc))
  const quantity = component ? component.valueQuantity : (r['valueQuantity'] as Quantity | undefined)
  const codings = [...((r['code'] as Concept | undefined)?.coding ?? []).map((c) => String(c.code ?? '')), ...(component ? [loinc] : [])]
  const device = r['device'] as { reference?: unknown; display?: unknown; identifier?: { value?: unknown } } | undefined
  const at = typeof r['effectiveDateTime'] === 'string' ? new Date(r['effectiveDateTime']) : null
  return {
    id: String(r['id'] ?? ''),
    loinc: codings,
    value: typeof quantity?.value === 'number' ? quantity.value : null,
    unit: typeof quantity?.code === 'string' ? quantity.code : typeof quantity?.unit === 'string' ? quantity.unit : null,
    at: at && !Number.isNaN(at.getTime()) ? at : null,
    deviceRefs: [device?.reference, device?.display, device?.identifier?.value].filter((v): v is string => typeof v === 'string'),
  }
}
