import { existsSync } from 'node:fs'
import { join } from 'node:path'
import fastifyCookie from '@fastify/cookie'
import fastifyRateLimit from '@fastify/rate-limit'
import fastifyStatic from '@fastify/static'
import fastifySwagger from '@fastify/swagger'
import fastifySwaggerUi from '@fastify/swagger-ui'
import type { Queryable } from '@varde/db'
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import { hasZodFastifySchemaValidationErrors, jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod'
import type { Logger } from 'pino'
import { fhirRoutes } from './fhir/routes.js'
import type { LiveEvents } from './live-events.js'
import { LoginThrottle } from './login-throttle.js'
import { authPlugin } from './plugins/auth.js'
import { adminGatewayRoutes } from './routes/admin-gateways.js'
import { alertRoutes } from './routes/alerts.js'
import { eventRoutes } from './routes/events.js'
import { healthRoutes } from './routes/health.js'
import { patientRuleRoutes } from './routes/patient-rules.js'
import { patientRoutes } from './routes/patients.js'
import { sessionRoutes } from './routes/session.js'

export interface AppOptions {
  db: Queryable
  live: LiveEvents
  logger: Logger
  mode: 'demo' | 'production'
  /** Built portal (clinician-web/web/dist); served at / when present. */
  webDistDir?: string
  secureCookies?: boolean
}

/** The HTTP API, FHIR and the portal, as one Fastify app. */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: options.logger.child({ part: 'server' }) as FastifyBaseLogger,
    trustProxy: false,
    // request logs carry ids and paths, never bodies (no health data in logs)
  })
  app.setValidatorCompiler(validatorCompiler)
  app.setSerializerCompiler(serializerCompiler)
  app.setErrorHandler((error, request, reply) => {
    if (hasZodFastifySchemaValidationErrors(error)) {
      return reply.code(400).send({ error: { code: 'invalid-request', message: error.message } })
    }
    const status = (error as { statusCode?: number }).statusCode ?? 500
    if (status >= 500) request.log.error({ err: error }, 'request failed')
    return reply.code(status).send({ error: { code: status === 429 ? 'too-many-requests' : 'error', message: status >= 500 ? 'Internal error' : (error as Error).message } })
  })

  await app.register(fastifySwagger, {
    openapi: {
      info: { title: 'Varde API', version: '0.1.0', description: 'Internal API of the Varde clinician portal. FHIR R4 at /fhir.' },
      components: { securitySchemes: { session: { type: 'apiKey', in: 'cookie', name: 'varde_session' } } },
      security: [{ session: [] }],
    },
    transform: jsonSchemaTransform,
  })
  await app.register(fastifySwaggerUi, { routePrefix: '/api/docs' })
  await app.register(fastifyCookie)
  await app.register(fastifyRateLimit, { global: false })
  await app.register(authPlugin, { db: options.db, mode: options.mode })

  const throttle = new LoginThrottle()
  await app.register(async (scope) => {
    // a coarse per-address limit on top of the per-user failure throttle
    await scope.register(fastifyRateLimit, { max: 60, timeWindow: '1 minute' })
    await scope.register(sessionRoutes, { db: options.db, throttle, mode: options.mode, secureCookies: options.secureCookies ?? false })
  })
  await app.register(patientRoutes, { db: options.db })
  await app.register(patientRuleRoutes, { db: options.db })
  await app.register(alertRoutes, { db: options.db, live: options.live })
  await app.register(eventRoutes, { db: options.db, live: options.live })
  await app.register(healthRoutes, { db: options.db, live: options.live, sseClients: () => 0 })
  await app.register(fhirRoutes, { db: options.db })
  await app.register(adminGatewayRoutes, { db: options.db, live: options.live })

  const web = options.webDistDir
  if (web && existsSync(join(web, 'index.html'))) {
    await app.register(fastifyStatic, { root: web, wildcard: false, index: ['index.html'] })
    app.get('/*', { schema: { hide: true } }, (request, reply) => {
      const path = request.url.split('?')[0] ?? '/'
      if (path.startsWith('/api/') || path.startsWith('/fhir/')) {
        return reply.code(404).send({ error: { code: 'not-found', message: 'No such endpoint' } })
      }
      // the portal's own routes (/patients/:id, /alerts ...) are the SPA's
      if (!path.includes('.')) return reply.sendFile('index.html')
      return reply.sendFile(path.slice(1))
    })
  }
  return app
}
