import { describe, expect, it } from 'vitest'
import { citizenOf, isLevelAtLeast } from './id-porten.js'

describe('ID-porten claims', () => {
  it.each([
    [{ sub: 's', pid: '12814112355', acr: 'idporten-loa-high' }, { subject: 's', nationalId: '12814112355', level: 'idporten-loa-high' }],
    [{ sub: 's', pid: '12814112355', acr: 'idporten-loa-substantial', amr: ['MinID'] }, { subject: 's', nationalId: '12814112355', level: 'idporten-loa-substantial' }],
  ])('reads the citizen of %j', (claims, identity) => {
    expect(citizenOf(claims)).toEqual({ identity })
  })

  it.each([
    [{ sub: 's', acr: 'idporten-loa-high' }, 'pid'],
    [{ sub: 's', pid: '1281411235', acr: 'idporten-loa-high' }, 'pid'],
    [{ sub: 's', pid: '12814112355', acr: 'Level4' }, 'acr'],
    [{ sub: 's', pid: '12814112355' }, 'acr'],
  ])('refuses %j, naming %s and no value', (claims, path) => {
    const read = citizenOf(claims)
    expect(read).toMatchObject({ problem: 'idporten-login-failed' })
    expect('reason' in read && read.reason).toContain(path)
    expect(JSON.stringify(read)).not.toContain('1281411235')
  })

  it('orders the levels: high meets substantial, not the other way', () => {
    expect(isLevelAtLeast('idporten-loa-high', 'idporten-loa-substantial')).toBe(true)
    expect(isLevelAtLeast('idporten-loa-high', 'idporten-loa-high')).toBe(true)
    expect(isLevelAtLeast('idporten-loa-substantial', 'idporten-loa-high')).toBe(false)
  })
})
