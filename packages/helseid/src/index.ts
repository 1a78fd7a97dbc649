// the claims and their parsing only: the stand-in (`@varde/helseid/stand-in`, oidc-provider)
// and the machine client (`@varde/helseid/dpop`) are their own entry points, loaded only where used
export * from './claims.js'
export * from './personnel.js'
export * from './id-porten.js'
export * from './id-porten-citizens.js'
