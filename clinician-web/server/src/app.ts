import { existsSync } from 'node:fs'
import { join } from 'node:path'
import fastifyCookie from '@fastify/cookie'
import fastifyRateLimit from '@fastify/rate-limit'
import fastifyStatic from '@fastify/static'
import fastifySwagger from '@fastify/swagger'
import fastifySwaggerUi from '@fastify/swagger-ui'
import type { HttpConfig } from '@varde/config'
import type { Queryable } from '@varde/db'
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod'
import type { Logger } from 'pino'
import { replyNotFound, replyToError, replyToFrameworkError } from './error-replies.js'
import { fhirRoutes } from './fhir/routes.js'
import { clientCredentials } from './access/client-credentials.js'
import type { LiveEvents } from './live-events.js'
import { LoginThrottle } from './login-throttle.js'
import { requireAccessDeclarations, withoutPatientData } from './plugins/route-access.js'
import { authPlugin } from './plugins/auth.js'
import { sameOriginGuard } from './plugins/same-origin.js'
import { securityHeaders } from './plugins/security-headers.js'
import { adminClockRoutes } from './routes/admin-clock.js'
import { adminDeliveryRoutes } from './routes/admin-deliveries.js'
import { adminWhatIfRoutes } from './routes/admin-what-if.js'
import { adminGatewayRoutes } from './routes/admin-gateways.js'
import { adminPatientRoutes } from './routes/admin-patients.js'
import { adminUserRoutes } from './routes/admin-users.js'
import { alertRoutes } from './routes/alerts.js'
import { episodeRoutes } from './routes/episodes.js'
import { eventRoutes } from './routes/events.js'
import { healthRoutes } from './routes/health.js'
import { listViewRoutes } from './routes/list-views.js'
import { logControlRoutes } from './routes/log-control.js'
import { careTeamRoutes } from './routes/care-team.js'
import { myPageRoutes } from './routes/my-page.js'
import { patientRuleRoutes } from './routes/patient-rules.js'
import { patientRoutes } from './routes/patients.js'
import { serviceCourseRoutes } from './routes/service-course.js'
import { sessionRoutes } from './routes/session.js'
import { shiftRoutes } from './routes/shift.js'
import { helseIdSessionRoutes } from './routes/helseid-session.js'
import { idPortenSessionRoutes } from './routes/idporten-session.js'
import { createOidcRelyingParty, type RelyingPartyOptions } from './oidc/relying-party.js'
import { HELSEID, ID_PORTEN } from './oidc/providers.js'
import { SessionStreams } from './session-streams.js'
import { flowEditorRoutes, type FlowEditorHost } from './routes/flow-editor.js'
import { guardFlowEditorUpgrades } from './plugins/flow-editor-upgrades.js'

/** What the server shows and whom it trusts (packages/config http-config.ts), and the portal's public URL. */
export type AppHttpOptions = HttpConfig & {
  /** VARDE_PUBLIC_URL: an origin trusted for state-changing requests besides the request's own Host. */
  publicUrl: string | undefined
}

export interface AppOptions {
  db: Queryable
  live: LiveEvents
  logger: Logger
  mode: 'demo' | 'production'
  /** Built portal (clinician-web/web/dist); served at / when present. */
  webDistDir?: string
  /** `Secure` session cookie; default: in production mode. */
  secureCookies?: boolean
  /** Default: `/metrics` and `/api/docs` on in demo mode and off in production, no proxy trusted. */
  http?: Partial<AppHttpOptions>
  /** How often an open event stream checks that its session still holds (default 15 s). */
  sessionCheckMs?: number
  /** Every session's idle and absolute timeouts (default 30 min and 12 h; VARDE_SESSION_*). */
  sessions?: { idleMs: number; absoluteMs: number }
  /** Login with HelseID (VARDE_OIDC_*, or the demo stand-in); unset: password login only. */
  helseId?: RelyingPartyOptions
  /** Patients' login with ID-porten (VARDE_IDPORTEN_*, or the demo stand-in); unset: patients log in with a password. */
  idPorten?: RelyingPartyOptions
  /** Node-RED, when this process runs part `flows`: its editor at /flows/ (docs/decisions/0020). */
  flows?: FlowEditorHost
}

const SERVER_PATHS = /^\/(api|fhir|flows)(\/|$)|^\/(metrics|healthz)$/

/** Trust the nearest `hops` proxies (Fastify takes a hop count, its types do not say so). */
const trustHops = (hops: number) => (_address: string, hop: number) => hop < hops

/** The HTTP API, FHIR and the portal, as one Fastify app. */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const isDemo = options.mode === 'demo'
  const http: AppHttpOptions = { metrics: isDemo, metricsToken: undefined, apiDocs: isDemo, trustProxy: false, publicUrl: undefined, ...options.http }
  const secureCookies = options.secureCookies ?? !isDemo
  const app = Fastify({
    loggerInstance: options.logger.child({ part: 'server' }) as FastifyBaseLogger,
    // X-Forwarded-* only from the proxies named in VARDE_TRUST_PROXY: they say whether the browser used TLS
    trustProxy: typeof http.trustProxy === 'number' ? trustHops(http.trustProxy) : http.trustProxy,
    frameworkErrors: replyToFrameworkError,
    // request logs carry ids and paths, never bodies (no health data in logs)
  })
  requireAccessDeclarations(app)
  app.setValidatorCompiler(validatorCompiler)
  app.setSerializerCompiler(serializerCompiler)
  app.setErrorHandler(replyToError)
  app.setNotFoundHandler(replyNotFound)
  // health data is kept by no browser or proxy cache: every answer that does not say otherwise (the portal's files do)
  app.addHook('onSend', async (_request, reply) => {
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store')
  })

  await app.register(securityHeaders)
  await app.register(sameOriginGuard, { publicUrl: http.publicUrl })
  if (http.apiDocs) {
    await app.register(fastifySwagger, {
      openapi: {
        info: { title: 'Varde API', version: '0.1.0', description: 'Internal API of the Varde clinician portal. FHIR R4 at /fhir.' },
        components: { securitySchemes: { session: { type: 'apiKey', in: 'cookie', name: 'varde_session' } } },
        security: [{ session: [] }],
      },
      transform: jsonSchemaTransform,
    })
    await app.register(withoutPatientData(async (scope) => scope.register(fastifySwaggerUi, {
      routePrefix: '/api/docs',
      // Swagger UI's own CSP (hashes of its inline scripts), framed by no one, without upgrading a demo's plain HTTP;
      // it inserts a <style> its hashes miss (seen in Chromium): inline styles allowed here, on a page without health data
      staticCSP: true,
      transformStaticCSP: (header) => header
        .replace("frame-ancestors 'self'", "frame-ancestors 'none'")
        .replace(/style-src [^;]*/, "style-src 'self' 'unsafe-inline'")
        .replace(/\s*upgrade-insecure-requests;?/, ''),
    })))
  }
  await app.register(fastifyCookie)
  await app.register(fastifyRateLimit, { global: false })
  const sessions = options.sessions ?? { idleMs: 30 * 60_000, absoluteMs: 12 * 3_600_000 }
  await app.register(authPlugin, { db: options.db, mode: options.mode, idleMs: sessions.idleMs })

  const throttle = new LoginThrottle()
  const streams = new SessionStreams()
  await app.register(async (scope) => {
    // a coarse per-address limit of login attempts on top of the per-user failure throttle (page loads' session
    // look and logout are outside it: see their routes)
    await scope.register(fastifyRateLimit, { max: 60, timeWindow: '1 minute' })
    await scope.register(sessionRoutes, { db: options.db, throttle, mode: options.mode, secureCookies, streams, sessionTtlMs: sessions.absoluteMs })
    await scope.register(helseIdSessionRoutes, {
      db: options.db, mode: options.mode, secureCookies, streams, sessionTtlMs: sessions.absoluteMs,
      relyingParty: options.helseId ? createOidcRelyingParty(options.helseId, HELSEID) : null, hasIdPorten: options.idPorten !== undefined,
    })
    await scope.register(idPortenSessionRoutes, {
      db: options.db, mode: options.mode, secureCookies, streams, sessionTtlMs: sessions.absoluteMs,
      relyingParty: options.idPorten ? createOidcRelyingParty(options.idPorten, ID_PORTEN) : null,
    })
  })
  await app.register(patientRoutes)
  await app.register(patientRuleRoutes)
  await app.register(serviceCourseRoutes, { live: options.live })
  await app.register(careTeamRoutes, { live: options.live })
  await app.register(alertRoutes, { live: options.live })
  await app.register(episodeRoutes, { live: options.live })
  await app.register(logControlRoutes)
  await app.register(myPageRoutes)
  await app.register(shiftRoutes)
  await app.register(listViewRoutes)
  await app.register(eventRoutes, { live: options.live, streams, sessionCheckMs: options.sessionCheckMs ?? 15_000, sessionIdleMs: sessions.idleMs })
  await app.register(healthRoutes, { db: options.db, live: options.live, metrics: http.metrics ? { token: http.metricsToken } : false })
  await app.register(fhirRoutes, { prefix: '/fhir', clients: clientCredentials(options.db) })
  await app.register(adminGatewayRoutes, { live: options.live })
  await app.register(adminDeliveryRoutes)
  await app.register(adminWhatIfRoutes)
  await app.register(adminClockRoutes, { live: options.live, mode: options.mode })
  await app.register(adminPatientRoutes)
  if (options.flows) {
    await app.register(flowEditorRoutes, { host: options.flows })
    const unguard = guardFlowEditorUpgrades(app, options.db, options.flows, options.mode)
    app.addHook('onClose', async () => unguard())
  }
  await app.register(adminUserRoutes, { live: options.live, streams })

  const web = options.webDistDir
  if (web && existsSync(join(web, 'index.html'))) {
    await app.register(withoutPatientData(async (scope) => {
      await scope.register(fastifyStatic, {
        root: web, wildcard: false, index: ['index.html'],
        // source maps give the portal's source away: for a demo's debugging only
        allowedPath: (path) => isDemo || !path.endsWith('.map'),
      })
      scope.get('/*', { schema: { hide: true } }, (request, reply) => {
        const path = request.url.split('?')[0] ?? '/'
        // the server's own paths are never the portal's page, also when turned off (/metrics, /api/docs)
        if (SERVER_PATHS.test(path)) return replyNotFound(request, reply)
        // the portal's own routes (/patients/:id, /alerts ...) are the SPA's
        if (!path.includes('.')) return reply.sendFile('index.html')
        return reply.sendFile(path.slice(1))
      })
    }))
  }
  return app
}
