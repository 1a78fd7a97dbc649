'use strict'
/**
 * Varde's nodes for Node-RED (issue 23, docs/decisions/0020). Each acts
 * through the services the runtime gives it in its settings
 * (`vardeServices`, flows/src/flow-services.ts), as the tenant's flows
 * service: reads go through the access layer and are logged under the
 * flow's name, an alert is raised through Varde's validating intake, a
 * forward through the forwarding outbox. None holds a database or broker
 * handle of its own, and a function node reaches none of them.
 */
module.exports = function (RED) {
  const servicesOf = (node) => {
    const services = RED.settings.vardeServices
    if (!services) {
      node.status({ fill: 'red', shape: 'ring', text: 'Varde er ikke koblet til' })
      throw new Error('varde-services-missing: the runtime was started without Varde\'s services')
    }
    return services
  }
  /** The flow (tab) the node is on: the access log names it. */
  const flowOf = (node) => ({
    id: String(node.z || node.id),
    name: String(RED.util.getSetting(node, 'NR_FLOW_NAME') || node.z || node.id).slice(0, 100),
  })
  const list = (text) => String(text || '').split(',').map((s) => s.trim()).filter(Boolean)
  const codeOf = (error) => (error && typeof error.code === 'string' ? error.code.toLowerCase() : 'failed')

  /** Stored readings of the tenant: live as ingest stores them, or asked for (an input message). */
  function ReadingIn(config) {
    RED.nodes.createNode(this, config)
    const node = this
    const services = servicesOf(node)
    const types = list(config.vitals)
    const condition = config.condition || undefined
    const historyDays = Math.max(0, Math.min(90, Number(config.historyDays) || 0))
    const filter = { ...(types.length ? { types } : {}), ...(condition ? { condition } : {}) }
    const history = async (patientId) => historyDays === 0 ? undefined
      : services.readings(flowOf(node), { ...filter, patientId, from: new Date(Date.now() - historyDays * 86_400_000) })
    if (config.live !== false) {
      const off = services.onReadingsStored((event) => {
        services.readings(flowOf(node), { ...filter, patientId: event.patientId, ids: event.readingIds }).then(async (readings) => {
          if (readings.length === 0) return
          const past = await history(event.patientId)
          for (const reading of readings) node.send({ topic: reading.type, payload: reading, ...(past ? { history: past } : {}) })
          node.status({ fill: 'green', shape: 'dot', text: `${readings.length}` })
        }).catch((error) => node.error(`varde-reading-in: ${codeOf(error)}`))
      })
      node.on('close', off)
    }
    node.on('input', (msg, send, done) => {
      const q = msg.payload && typeof msg.payload === 'object' ? msg.payload : {}
      const days = Number(q.days) > 0 ? Math.min(90, Number(q.days)) : historyDays || 1
      services.readings(flowOf(node), {
        ...filter, ...(typeof q.patientId === 'string' ? { patientId: q.patientId } : {}), from: new Date(Date.now() - days * 86_400_000),
      }).then((readings) => {
        send({ ...msg, payload: readings })
        done()
      }, (error) => done(`varde-reading-in: ${codeOf(error)}`))
    })
  }
  RED.nodes.registerType('varde-reading-in', ReadingIn)

  /** Alerts of the tenant opened or changed: ids, change, severity and status (no content). */
  function AlertIn(config) {
    RED.nodes.createNode(this, config)
    const node = this
    const changes = list(config.changes || 'opened,updated')
    const severity = config.severity || ''
    const off = servicesOf(node).onAlertChanged((event) => {
      if (!changes.includes(event.change)) return
      if (severity && event.severity !== severity) return
      node.send({ topic: event.change, payload: event })
    })
    node.on('close', off)
  }
  RED.nodes.registerType('varde-alert-in', AlertIn)

  /**
   * A flow-defined rule's alert: msg.payload { patientId, summary: {nb, en},
   * measures?, readingIds?, severity?, key? }; the node's key and severity
   * apply when the message has none. Varde's intake validates it; a repeat
   * with the same key counts on the open alert.
   */
  function RaiseAlert(config) {
    RED.nodes.createNode(this, config)
    const node = this
    const services = servicesOf(node)
    node.on('input', (msg, send, done) => {
      const p = msg.payload && typeof msg.payload === 'object' ? msg.payload : {}
      const flow = flowOf(node)
      const request = {
        flowId: flow.id, flowName: flow.name,
        patientId: p.patientId, key: p.key || config.key || 'rule', severity: p.severity || config.severity || 'yellow',
        summary: p.summary, measures: p.measures || {}, readingIds: p.readingIds || [],
        triggeredAt: p.triggeredAt || new Date().toISOString(),
      }
      services.raiseAlert(request).then(() => {
        node.status({ fill: 'green', shape: 'dot', text: 'sendt' })
        send({ ...msg, alert: request })
        done()
      }, (error) => done(`varde-raise-alert: ${codeOf(error)}`))
    })
  }
  RED.nodes.registerType('varde-raise-alert', RaiseAlert)

  /** An alert to the patient's recipients outside the municipality, through the forwarding outbox. */
  function Forward(config) {
    RED.nodes.createNode(this, config)
    const node = this
    const services = servicesOf(node)
    node.on('input', (msg, send, done) => {
      const p = msg.payload && typeof msg.payload === 'object' ? msg.payload : {}
      services.forwardAlert(flowOf(node), String(p.alertId || ''), config.recipientId || null).then((recipients) => {
        node.status({ fill: recipients.length ? 'green' : 'grey', shape: 'dot', text: `${recipients.length}` })
        send({ ...msg, forwarded: recipients })
        done()
      }, (error) => done(`varde-forward: ${codeOf(error)}`))
    })
  }
  RED.nodes.registerType('varde-forward', Forward)

  /** A patient of the tenant (name, conditions, service state), logged as the flow's read. */
  function PatientLookup(config) {
    RED.nodes.createNode(this, config)
    const node = this
    const services = servicesOf(node)
    node.on('input', (msg, send, done) => {
      const p = msg.payload && typeof msg.payload === 'object' ? msg.payload : {}
      services.patient(flowOf(node), String(p.patientId || '')).then((patient) => {
        send({ ...msg, patient })
        done()
      }, (error) => done(`varde-patient-lookup: ${codeOf(error)}`))
    })
  }
  RED.nodes.registerType('varde-patient-lookup', PatientLookup)
}
