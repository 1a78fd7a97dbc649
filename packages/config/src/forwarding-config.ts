import { z } from 'zod'
import { maskWebhookUrl } from './escalation-config.js'

/**
 * Forwarding to recipients outside the municipality (issue 18;
 * platform-contract.md "Forwarding (demo mode)"): in demo mode the demo GP
 * practice's FHIR R4 base URL, else a receiver built into demo mode. A
 * recipient's own base URL is data (forwarding_recipients), not configuration.
 * Part of the platform's one environment schema (`platformEnvSchema`).
 */
export const forwardingEnvShape = {
  VARDE_DEMO_GP_FHIR_URL: z.string().regex(/^https?:\/\/[^\s/]+/, 'must be an http:// or https:// URL').optional(),
  /** How often the delivery worker looks for due deliveries when it found none (a red alert waits at most this long). */
  VARDE_FORWARDING_POLL_MS: z.coerce.number().int().min(50).max(60_000).default(1_000),
  /** Tries per delivery before it becomes a dead letter (backoff doubling from 1 s up to 10 minutes). */
  VARDE_FORWARDING_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(1_000).default(30),
  /**
   * Pasientens måledata's base URL (docs/decisions/0018): recipients of transport
   * 'pmd' deliver there. Unset in demo mode: the PMD stand-in built into demo mode.
   */
  VARDE_PMD_BASE_URL: z.string().regex(/^https?:\/\/[^\s/]+/, 'must be an http:// or https:// URL').optional(),
}

type ForwardingEnv = z.output<z.ZodObject<typeof forwardingEnvShape>>

export interface ForwardingConfig {
  /** Demo mode: the demo GP practice's endpoint; unset: the built-in receiver. */
  demoGpFhirUrl: string | undefined
  pollIntervalMs: number
  maxAttempts: number
  /** PMD's base URL; unset: in demo mode the built-in stand-in, else no PMD delivery. */
  pmdBaseUrl: string | undefined
}

export function forwardingConfigOf(e: ForwardingEnv, isDemo: boolean, problems: string[]): ForwardingConfig {
  if (!isDemo && e.VARDE_DEMO_GP_FHIR_URL) problems.push('VARDE_DEMO_GP_FHIR_URL: the demo GP practice exists only in demo mode')
  if (e.VARDE_DEMO_GP_FHIR_URL) {
    try {
      new URL(e.VARDE_DEMO_GP_FHIR_URL)
    } catch {
      problems.push('VARDE_DEMO_GP_FHIR_URL: not a URL')
    }
  }
  if (e.VARDE_PMD_BASE_URL) {
    try {
      const u = new URL(e.VARDE_PMD_BASE_URL)
      // PMD is reached over the Helsenett or the Internet with HelseID: never in the clear outside demo and tests
      if (!isDemo && u.protocol !== 'https:') problems.push('VARDE_PMD_BASE_URL: must be https:// outside demo mode')
    } catch {
      problems.push('VARDE_PMD_BASE_URL: not a URL')
    }
  }
  return {
    demoGpFhirUrl: e.VARDE_DEMO_GP_FHIR_URL?.replace(/\/+$/, ''), pollIntervalMs: e.VARDE_FORWARDING_POLL_MS, maxAttempts: e.VARDE_FORWARDING_MAX_ATTEMPTS,
    // the Bundle is POSTed to the base URL itself (PMD's examples: `curl https://api.pmd.dev.nhn.no/ -X POST`)
    pmdBaseUrl: e.VARDE_PMD_BASE_URL ? `${e.VARDE_PMD_BASE_URL.replace(/\/+$/, '')}/` : undefined,
  }
}

export function describeForwardingConfig(c: ForwardingConfig, isDemo: boolean): Record<string, string | number> {
  return {
    ...(isDemo ? { VARDE_DEMO_GP_FHIR_URL: c.demoGpFhirUrl ? maskWebhookUrl(c.demoGpFhirUrl) : '(unset: the receiver built into demo mode)' } : {}),
    VARDE_FORWARDING_POLL_MS: c.pollIntervalMs,
    VARDE_FORWARDING_MAX_ATTEMPTS: c.maxAttempts,
    VARDE_PMD_BASE_URL: c.pmdBaseUrl ?? (isDemo ? '(unset: the PMD stand-in built into demo mode)' : '(unset: no delivery to Pasientens måledata)'),
  }
}
