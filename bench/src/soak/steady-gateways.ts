import { SimGateway } from '@varde/device-sim'
import type { Measurement, Receipt } from '@varde/domain'

/**
 * The soak's load: N gateways sending batches on a steady clock, round-robin,
 * whatever the platform does (open loop); each keeps its batches until their
 * receipt and re-sends them (device-sim's SimGateway, as a vendor's gateway
 * does). The readings are chosen so that the alerts they call for are known:
 * pulse 60–79 /min is inside every profile's limits and scores 0 in NEWS2,
 * so ordinary batches call for no alert; `callForAlert(gateway)` adds one
 * SpO2 of 81 % to the gateway's next batch, which for a COPD patient is red
 * (≤ 83 %, profiles.ts) and alone: no earlier SpO2 for a baseline, and two
 * vitals are too few for NEWS2 (it needs three). Measured times rise
 * strictly per gateway, so no two readings share a device, type and time.
 */
export interface SteadyGatewaysOptions {
  mqttUrl: string
  gateways: { id: string; secret: string }[]
  batchesPerSecond: number
  readingsPerBatch: number
}

export interface SteadyFigures {
  batchesSent: number
  readingsSent: number
  batchesReceipted: number
  /** Readings the receipts answered accepted or duplicate. */
  readingsReceipted: number
  accepted: number
  duplicate: number
  rejected: number
  /** Publishes beyond a batch's first. */
  resends: number
  /** Gateways whose alert reading was sent. */
  alertGateways: string[]
}

const RESEND_AFTER_MS = 3000
const MAX_RESEND_AFTER_MS = 12_000

export class SteadyGateways {
  readonly figures: SteadyFigures = {
    batchesSent: 0, readingsSent: 0, batchesReceipted: 0, readingsReceipted: 0, accepted: 0, duplicate: 0, rejected: 0, resends: 0, alertGateways: [],
  }
  /** Receipts that did not answer every reading accepted or duplicate, for the report. */
  readonly faults: string[] = []
  private readonly gateways: SimGateway[]
  private readonly options: SteadyGatewaysOptions
  private readonly lastMeasuredAt = new Map<string, number>()
  private readonly alertDue = new Set<string>()
  private readonly inflight = new Set<Promise<void>>()
  private readonly receiptWaiters: { count: number; resolve: () => void }[] = []
  private timer: NodeJS.Timeout | undefined
  private next = 0
  private lastReceiptAt = 0

  constructor(options: SteadyGatewaysOptions) {
    this.options = options
    this.gateways = options.gateways.map(({ id, secret }) => new SimGateway({
      gatewayId: id, secret, mqttUrl: options.mqttUrl, resendAfterMs: RESEND_AFTER_MS, maxResendAfterMs: MAX_RESEND_AFTER_MS, reconnectPeriodMs: 500,
    }))
    for (const g of this.gateways) {
      g.on('publish', ({ attempt }) => {
        if (attempt > 1) this.figures.resends += 1
      })
    }
  }

  /** Batches without a receipt yet. */
  get pending(): number {
    return this.inflight.size
  }

  /** When the latest receipt arrived (Date.now()), 0 before the first. */
  get latestReceiptAt(): number {
    return this.lastReceiptAt
  }

  async start(): Promise<void> {
    await Promise.all(this.gateways.map((g) => g.start()))
    const intervalMs = 1000 / this.options.batchesPerSecond
    const began = performance.now()
    // the soak's own pacing: the batches due by now, whatever the platform does
    this.timer = setInterval(() => {
      const due = Math.floor(((performance.now() - began) / 1000) * this.options.batchesPerSecond)
      while (this.figures.batchesSent < due) this.sendNext()
    }, Math.max(5, Math.min(100, intervalMs)))
  }

  /** The gateway's next batch carries one SpO2 of 81 %. */
  callForAlert(gatewayId: string): void {
    if (this.figures.alertGateways.includes(gatewayId) || this.alertDue.has(gatewayId)) return
    this.alertDue.add(gatewayId)
  }

  /** Resolves once `count` more batches have been receipted than now. */
  receiptsFromNow(count: number): Promise<void> {
    const target = this.figures.batchesReceipted + count
    return new Promise((resolve) => {
      this.receiptWaiters.push({ count: target, resolve })
    })
  }

  /** Stops sending new batches; those without a receipt are still re-sent. */
  stopSending(): void {
    clearInterval(this.timer)
  }

  /** Resolves true once every batch sent has its receipt, false at the deadline. */
  async drain(deadlineMs: number): Promise<boolean> {
    const deadline = Date.now() + deadlineMs
    while (this.inflight.size > 0) {
      const left = deadline - Date.now()
      if (left <= 0) return false
      let timer: NodeJS.Timeout | undefined
      await Promise.race([Promise.all(this.inflight), new Promise((r) => { timer = setTimeout(r, left) })])
      clearTimeout(timer)
    }
    return true
  }

  async stop(): Promise<void> {
    this.stopSending()
    await Promise.all(this.gateways.map((g) => g.stop()))
  }

  private sendNext(): void {
    const gateway = this.gateways[this.next % this.gateways.length] as SimGateway
    this.next += 1
    const measurements = this.batchFor(gateway.gatewayId)
    const ids = measurements.map((m) => m.id).sort()
    this.figures.batchesSent += 1
    this.figures.readingsSent += measurements.length
    const settled: Promise<void> = gateway.sendBatch(measurements).then(
      (receipt) => this.onReceipt(gateway.gatewayId, ids, receipt),
      (error: unknown) => {
        this.faults.push(`${gateway.gatewayId}: ${(error as Error).message}`)
      },
    )
    const tracked = settled.finally(() => this.inflight.delete(tracked))
    this.inflight.add(tracked)
  }

  private onReceipt(gatewayId: string, ids: string[], receipt: Receipt): void {
    const f = this.figures
    this.lastReceiptAt = Date.now()
    f.batchesReceipted += 1
    f.accepted += receipt.accepted.length
    f.duplicate += receipt.duplicate.length
    f.rejected += receipt.rejected.length
    f.readingsReceipted += receipt.accepted.length + receipt.duplicate.length
    const answered = [...receipt.accepted, ...receipt.duplicate].sort()
    if (receipt.rejected.length > 0 || answered.join() !== ids.join()) {
      if (this.faults.length < 20) this.faults.push(`${gatewayId} ${receipt.batchId}: ${JSON.stringify(receipt)}`)
    }
    for (let i = this.receiptWaiters.length - 1; i >= 0; i--) {
      const w = this.receiptWaiters[i]
      if (w && f.batchesReceipted >= w.count) {
        this.receiptWaiters.splice(i, 1)
        w.resolve()
      }
    }
  }

  private batchFor(gatewayId: string): Measurement[] {
    const measurements: Measurement[] = []
    const stamp = (): string => {
      const at = Math.max(Date.now(), (this.lastMeasuredAt.get(gatewayId) ?? 0) + 1)
      this.lastMeasuredAt.set(gatewayId, at)
      return new Date(at).toISOString()
    }
    for (let i = 0; i < this.options.readingsPerBatch; i++) {
      const value = 60 + ((this.figures.readingsSent + i) % 20)
      measurements.push({ id: `m${i + 1}`, deviceId: 'AA:BB:CC:00:00:01', type: 'pulse', value, unit: '/min', measuredAt: stamp() })
    }
    if (this.alertDue.delete(gatewayId)) {
      measurements.push({ id: 'alert', deviceId: 'AA:BB:CC:00:00:02', type: 'spo2', value: 81, unit: '%', measuredAt: stamp() })
      this.figures.alertGateways.push(gatewayId)
    }
    return measurements
  }
}
