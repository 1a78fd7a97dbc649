import { errorBody, tenantWhatIfBody, tenantWhatIfSchema } from '@varde/api-contract'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { accessOf, requireUser } from '../plugins/auth.js'

/**
 * Issue 20's what-if for the municipality's administrator: a rule set so for
 * every patient (a profile change) replayed over the tenant's last days of
 * stored readings beside the rules as they are, as alerts a day (access/rules.ts
 * whatIfTenant: the role checked, bounded in time, logged).
 */
export const adminWhatIfRoutes: FastifyPluginAsyncZod = async (app) => {
  app.addHook('preHandler', requireUser)

  app.post('/api/admin/what-if', {
    config: { access: 'admin' },
    schema: {
      tags: ['admin'],
      summary: 'How many alerts a day a rule change for all the tenant\'s patients would have given (nothing is stored)',
      description: 'Every patient in follow-up replayed by the rules engine over the last `days` days (default 30) with their rules as they are and with `ruleId` set so (`params`, `isEnabled`, `kind` as PUT …/rules/:ruleId takes them) for everyone; sums of alerts and episodes, and alerts and episodes a day, in all and per condition, and the 5 patients whose alerts it moves most. '
        + 'With `condition`, only the patients with that condition get the change (a condition profile\'s limits). '
        + 'Bounded in time: past the bound it answers with the patients done (`isComplete` false). An invalid change is refused with 400 as PUT refuses it. Only the tenant\'s administrator (403).',
      body: tenantWhatIfBody,
      response: { 200: tenantWhatIfSchema, 400: errorBody, 403: errorBody, 500: errorBody },
    },
  }, async (request) => {
    const { ruleId, params, isEnabled, kind, days, condition } = request.body
    const w = await accessOf(request).rules.whatIfTenant(ruleId, { params, isEnabled, kind }, days, undefined, condition ?? null)
    return { ...w, from: w.from.toISOString(), to: w.to.toISOString() }
  })
}
