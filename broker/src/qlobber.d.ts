declare module 'qlobber' {
  export interface QlobberOptions {
    separator?: string
    wildcard_one?: string
    wildcard_some?: string
    match_empty_levels?: boolean
  }
  /** A set of topic filters, each only present or not. */
  export class QlobberTrue {
    constructor(options?: QlobberOptions)
    add(topic: string): this
    test(topic: string): boolean
  }
}

declare module 'qlobber/aedes/qlobber-sub.js' {
  /** Topic filter → subscriptions, one per client and filter (the trie Aedes' persistences keep). */
  export default class QlobberSub {
    constructor(options?: import('qlobber').QlobberOptions)
    add(topic: string, sub: object): this
    remove(topic: string, sub?: object): this
    match(topic: string): object[]
    readonly subscriptionsCount: number
  }
}
