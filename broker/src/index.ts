export * from './broker.js'
export * from './acl.js'
