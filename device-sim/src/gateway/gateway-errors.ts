/** The gateway was stopped while a batch still waited for its receipt. */
export class GatewayStoppedError extends Error {
  readonly code = 'gateway-stopped'
  constructor(readonly gatewayId: string) {
    super(`gateway ${gatewayId} stopped before the receipt arrived`)
    this.name = 'GatewayStoppedError'
  }
}

/** The gateway could not connect: broker unreachable, or credentials refused (CONNACK 4/5). */
export class GatewayConnectError extends Error {
  readonly code = 'gateway-connect'
  constructor(
    readonly gatewayId: string,
    readonly mqttUrl: string,
    override readonly cause: Error,
  ) {
    super(`gateway ${gatewayId} could not connect to ${mqttUrl}: ${cause.message}`)
    this.name = 'GatewayConnectError'
  }
}

/** No receipt for a payload within the time given. */
export class ReceiptTimeoutError extends Error {
  readonly code = 'receipt-timeout'
  constructor(
    readonly gatewayId: string,
    readonly batchId: string | null,
    readonly timeoutMs: number,
  ) {
    super(`gateway ${gatewayId}: no receipt for ${batchId ?? 'raw payload'} within ${timeoutMs} ms`)
    this.name = 'ReceiptTimeoutError'
  }
}
