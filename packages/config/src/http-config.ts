import { z } from 'zod'

/**
 * What the HTTP server shows beyond the portal, the API and FHIR (issue 14):
 * `/metrics` and `/api/docs` are on in demo mode and off in production unless
 * set, and which proxy is trusted to say a request came over TLS
 * (`X-Forwarded-Proto`, for HSTS and the same-origin check). Part of the
 * platform's one environment schema (`platformEnvSchema`).
 */
const onOff = z.enum(['on', 'off'])

export const httpEnvShape = {
  VARDE_METRICS: onOff.optional(),
  /** With it, `/metrics` answers only `Authorization: Bearer <token>` (Prometheus `authorization.credentials`). */
  VARDE_METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  VARDE_API_DOCS: onOff.optional(),
  /** `off`, `on` (every hop), a hop count, or comma-separated addresses/CIDRs of the proxies in front. */
  VARDE_TRUST_PROXY: z.string().regex(/^(off|on|\d{1,2}|[0-9A-Fa-f.:/]+(,[0-9A-Fa-f.:/]+)*)$/, 'must be off, on, a hop count or comma-separated addresses').optional(),
}

type HttpEnv = z.output<z.ZodObject<typeof httpEnvShape>>

export interface HttpConfig {
  /** Serve `/metrics`; with `metricsToken`, only to a caller who presents it. */
  metrics: boolean
  metricsToken: string | undefined
  /** Serve the OpenAPI description and its UI at `/api/docs`. */
  apiDocs: boolean
  /** Fastify's `trustProxy`: false, true, a hop count or the proxies' addresses. */
  trustProxy: boolean | number | string[]
}

export function httpConfigOf(e: HttpEnv, isDemo: boolean, problems: string[]): HttpConfig {
  const metrics = (e.VARDE_METRICS ?? (isDemo || e.VARDE_METRICS_TOKEN ? 'on' : 'off')) === 'on'
  if (e.VARDE_METRICS === 'off' && e.VARDE_METRICS_TOKEN) problems.push('VARDE_METRICS_TOKEN: set with VARDE_METRICS=off')
  return {
    metrics,
    metricsToken: e.VARDE_METRICS_TOKEN,
    apiDocs: (e.VARDE_API_DOCS ?? (isDemo ? 'on' : 'off')) === 'on',
    trustProxy: trustProxyOf(e.VARDE_TRUST_PROXY ?? 'off'),
  }
}

function trustProxyOf(raw: string): HttpConfig['trustProxy'] {
  if (raw === 'off') return false
  if (raw === 'on') return true
  if (/^\d+$/.test(raw)) return Number(raw)
  return raw.split(',')
}

export function describeHttpConfig(c: HttpConfig): Record<string, string> {
  return {
    VARDE_METRICS: c.metrics ? 'on' : 'off',
    VARDE_METRICS_TOKEN: c.metricsToken ? '********' : '(unset: /metrics open when on)',
    VARDE_API_DOCS: c.apiDocs ? 'on' : 'off',
    VARDE_TRUST_PROXY: c.trustProxy === false ? 'off' : c.trustProxy === true ? 'on' : String(c.trustProxy),
  }
}
