import type { FastifyPluginAsync, RouteOptions } from 'fastify'

/**
 * Registers another's plugin (the portal's files, the API docs page) in a
 * scope whose routes are declared to read no patient data: such a plugin
 * cannot say so itself, and every route must (FastifyContextConfig.access;
 * test/access-door.test.ts holds each to what it says).
 */
export function withoutPatientData(plugin: FastifyPluginAsync): FastifyPluginAsync {
  return async (scope) => {
    scope.addHook('onRoute', (route: RouteOptions) => {
      route.config = { ...route.config, access: route.config?.access ?? 'none' }
    })
    await scope.register(plugin)
  }
}
