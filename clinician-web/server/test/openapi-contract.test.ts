import { ALERT_OUTCOMES, API_ERROR_CODES, PATIENT_CONDITIONS } from '@varde/api-contract'
import { startTestDatabase, type TestDatabase } from '@varde/db/testing'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { ERRORS } from '../src/errors/api-errors.js'
import { startServerStack, type ServerStack } from './server-stack.js'

/**
 * The routes' schemas are the API contract's (@varde/api-contract), which the
 * portal derives its types from: the OpenAPI document (/api/docs) shows the
 * contract's lists, and every refusal the same error body.
 */
let db: TestDatabase
let stack: ServerStack
type Schema = { type?: string; enum?: string[]; properties?: Record<string, Schema>; items?: Schema; required?: string[] }
type Operation = { requestBody?: { content: Record<string, { schema: Schema }> }; responses: Record<string, { content?: Record<string, { schema: Schema }> }> }
let paths: Record<string, Record<string, Operation>>

beforeAll(async () => {
  db = await startTestDatabase()
  stack = await startServerStack({ db, name: 'openapi-contract' })
  const res = await fetch(`${stack.baseUrl}/api/docs/json`)
  expect(res.status).toBe(200)
  paths = ((await res.json()) as { paths: typeof paths }).paths
})
afterAll(async () => {
  await stack?.stop()
  await db?.stop()
})

const json = (r: { content?: Record<string, { schema: Schema }> } | undefined) => r?.content?.['application/json']?.schema

it("describes answers and bodies with the contract's lists", () => {
  const patient = json(paths['/api/patients']?.get?.responses['200'])?.properties?.items?.items
  expect(patient?.properties?.conditions?.items?.enum).toEqual([...PATIENT_CONDITIONS])
  const resolve = paths['/api/alerts/{id}/resolve']?.post?.requestBody?.content['application/json']?.schema
  expect(resolve?.properties?.outcome?.enum).toEqual([...ALERT_OUTCOMES])
})

it('answers every refusal of the JSON API with the one error body', () => {
  const refusals = Object.entries(paths)
    .filter(([path]) => path.startsWith('/api/'))
    .flatMap(([path, ops]) => Object.entries(ops).flatMap(([method, op]) =>
      Object.entries(op.responses).filter(([status]) => Number(status) >= 400).map(([status, r]) => ({ at: `${method} ${path} ${status}`, schema: json(r) }))))
  expect(refusals.length).toBeGreaterThan(20)
  for (const { at, schema } of refusals) {
    expect({ at, error: schema?.properties?.error?.properties && Object.keys(schema.properties.error.properties).sort() }).toEqual({ at, error: ['code', 'message'] })
  }
})

it("sends only the contract's codes, each in the portal's lower case", () => {
  const codes = Object.values(ERRORS).map((E) => new E('x').code.toLowerCase())
  expect(codes.filter((c) => !(API_ERROR_CODES as readonly string[]).includes(c))).toEqual([])
})
