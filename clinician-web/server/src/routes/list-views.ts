import { errorBody, idParams, saveListViewBody, savedListViewListSchema, savedListViewSchema } from '@varde/api-contract'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { ListView } from '../access/list-views.js'
import { accessOf, requireUser } from '../plugins/auth.js'

const OWN = 'The caller\'s own saved views of the patient list (issue 20): filters and a sort, no patient data; 403 for a patient user.'
const toJson = (v: ListView) => ({ id: v.id, name: v.name, view: v.view, updatedAt: v.updatedAt.toISOString() })

/** Saved views of the patient list, per user. */
export const listViewRoutes: FastifyPluginAsyncZod = async (app) => {
  app.addHook('preHandler', requireUser)

  app.get('/api/list-views', {
    config: { access: 'none' },
    schema: { tags: ['patients'], summary: 'My saved views of the patient list, by name', description: OWN, response: { 200: savedListViewListSchema, 403: errorBody } },
  }, async (request) => ({ items: (await accessOf(request).listViews.list()).map(toJson) }))

  app.post('/api/list-views', {
    config: { access: 'none' },
    schema: {
      tags: ['patients'], summary: 'Save the list\'s view under a name (replaces my view of that name)',
      description: `${OWN} 409 \`too-many-views\` past the limit per user.`,
      body: saveListViewBody, response: { 200: savedListViewSchema, 400: errorBody, 403: errorBody, 409: errorBody },
    },
  }, async (request) => toJson(await accessOf(request).listViews.save(request.body.name, request.body.view)))

  app.delete('/api/list-views/:id', {
    config: { access: 'none' },
    schema: {
      tags: ['patients'], summary: 'Delete one of my saved views', description: `${OWN} 404 when I have none with this id.`,
      params: idParams, response: { 204: z.null(), 403: errorBody, 404: errorBody },
    },
  }, async (request, reply) => {
    await accessOf(request).listViews.remove(request.params.id)
    return reply.code(204).send(null)
  })
}
