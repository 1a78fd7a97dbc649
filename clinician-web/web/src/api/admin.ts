import type {
  CreateUserBody,
  GatewayOverview,
  GatewayRejection,
  StaffUserList,
  TeamBody,
  UpdateUserBody,
} from '@varde/api-contract'
import { requestJson } from './http'

/** The tenant administrator's gateways and users (issue 17): /api/admin/gateways and /api/admin/users. */

const withSignal = (signal?: AbortSignal) => (signal ? { signal } : {})
const gateway = (id: string) => `/api/admin/gateways/${encodeURIComponent(id)}`
const user = (id: string) => `/api/admin/users/${encodeURIComponent(id)}`

export async function listGatewayOverview(signal?: AbortSignal): Promise<GatewayOverview[]> {
  return (await requestJson<{ items: GatewayOverview[] }>('GET', '/api/admin/gateways/overview', withSignal(signal))).items
}

export function listGatewayRejections(
  id: string,
  signal?: AbortSignal,
): Promise<{ items: GatewayRejection[]; nextBefore: number | null }> {
  return requestJson('GET', `${gateway(id)}/rejections?limit=50`, withSignal(signal))
}

/** A new secret, shown this once; the old one stops working and a connected gateway is cut off. */
export function rotateGateway(id: string): Promise<{ secret: string }> {
  return requestJson('POST', `${gateway(id)}/rotate`)
}

export function revokeGateway(id: string): Promise<void> {
  return requestJson('POST', `${gateway(id)}/revoke`)
}

export function pairDevice(id: string, deviceId: string): Promise<unknown> {
  return requestJson('POST', `${gateway(id)}/devices`, { body: { deviceId } })
}

export function unpairDevice(id: string, deviceId: string): Promise<void> {
  return requestJson('DELETE', `${gateway(id)}/devices/${encodeURIComponent(deviceId)}`)
}

export function listUsers(signal?: AbortSignal): Promise<StaffUserList> {
  return requestJson('GET', '/api/admin/users', withSignal(signal))
}

/** A new user and their first password, shown this once. */
export function createUser(body: CreateUserBody): Promise<{ id: string; password: string }> {
  return requestJson('POST', '/api/admin/users', { body })
}

export function updateUser(id: string, body: UpdateUserBody): Promise<void> {
  return requestJson('PATCH', user(id), { body })
}

export function resetPassword(id: string): Promise<{ password: string }> {
  return requestJson('POST', `${user(id)}/password`)
}

export function addToTeam(id: string, body: TeamBody): Promise<{ memberId: string }> {
  return requestJson('POST', `${user(id)}/care-team`, { body })
}

export function removeFromTeam(id: string, memberId: string): Promise<void> {
  return requestJson('POST', `${user(id)}/care-team/${encodeURIComponent(memberId)}/end`)
}
