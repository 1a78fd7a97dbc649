import type { FastifyContextConfig, FastifyInstance, FastifyPluginAsync, RouteOptions } from 'fastify'

export type RouteAccess = NonNullable<FastifyContextConfig['access']>
export interface DeclaredRoute { method: string; url: string; access: RouteAccess | undefined }
const ACCESS_VALUES: readonly RouteAccess[] = ['patient', 'admin', 'none', 'emergency', 'log', 'self']

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route with what it declared in `config.access` (test/access-door.test.ts walks it). */
    declaredRoutes(): DeclaredRoute[]
  }
}

/**
 * Every route says whether it touches patients' data (`config.access`,
 * plugins/auth.ts): the app refuses to start with one that does not, so a
 * new route cannot be added without saying, and the access test holds each
 * to what it said. Call before any route is added (onRoute hooks apply to
 * the routes added after them).
 */
export function requireAccessDeclarations(app: FastifyInstance): void {
  const routes: RouteOptions[] = []
  // the options object is the one later hooks (withoutPatientData) complete: it is read when the app is ready
  app.addHook('onRoute', (route) => { routes.push(route) })
  const declared = () => routes.flatMap((r) => (Array.isArray(r.method) ? r.method : [r.method]).map((method) => ({
    method: String(method), url: r.url, access: r.config?.access,
  })))
  app.decorate('declaredRoutes', declared)
  app.addHook('onReady', async () => {
    const undeclared = declared().filter((r) => !ACCESS_VALUES.includes(r.access as RouteAccess))
    if (undeclared.length > 0) {
      throw new Error(`routes without config.access ('patient' | 'admin' | 'none' | 'emergency' | 'log' | 'self'): ${undeclared.map((r) => `${r.method} ${r.url}`).join(', ')}`)
    }
  })
}

/**
 * Registers another's plugin (the portal's files, the API docs page) in a
 * scope whose routes are declared to read no patient data: such a plugin
 * cannot say so itself.
 */
export function withoutPatientData(plugin: FastifyPluginAsync): FastifyPluginAsync {
  return async (scope) => {
    scope.addHook('onRoute', (route: RouteOptions) => {
      route.config = { ...route.config, access: route.config?.access ?? 'none' }
    })
    await scope.register(plugin)
  }
}
