import type { IncomingMessage, Server as HttpServer } from 'node:http'
import type { Duplex } from 'node:stream'
import { createWebSocketStream, WebSocketServer, type WebSocket } from 'ws'

/** device-protocol.md "Connection": MQTT over WebSocket at this path of the HTTP port. */
export const MQTT_WEBSOCKET_PATH = '/mqtt'

/**
 * MQTT over WebSocket on someone else's HTTP server (the API server's, wired
 * by the composition root), so broker and server stay two parts that only
 * meet there. Upgrades to `path` become MQTT connections; other upgrade
 * requests are left to the server's other listeners, or refused with 404
 * when there are none.
 */
export class MqttWebSocketAdapter {
  private readonly wss: WebSocketServer
  private readonly sockets = new Set<WebSocket>()

  constructor(
    private readonly onConnection: (stream: Duplex, request: IncomingMessage) => void,
    maxPayloadBytes: number,
  ) {
    this.wss = new WebSocketServer({
      noServer: true,
      // a frame larger than any allowed MQTT packet is refused by ws itself (close 1009)
      maxPayload: maxPayloadBytes,
      // MQTT over WebSocket: subprotocol "mqtt" (3.1.1) or "mqttv3.1"
      handleProtocols: (protocols) => (protocols.has('mqtt') ? 'mqtt' : protocols.has('mqttv3.1') ? 'mqttv3.1' : false),
    })
  }

  /** Listens for upgrades on `server`; returns a function that stops listening and closes the WebSocket connections. */
  attach(server: HttpServer, path = MQTT_WEBSOCKET_PATH): () => Promise<void> {
    const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      const requestPath = (request.url ?? '').split('?')[0]
      if (requestPath === path) return this.handleUpgrade(request, socket, head)
      if (server.listenerCount('upgrade') === 1) {
        socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n')
      }
    }
    server.on('upgrade', onUpgrade)
    return async () => {
      server.off('upgrade', onUpgrade)
      await this.close()
    }
  }

  /** Completes one upgrade request and hands the connection to the broker. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.wss.handleUpgrade(request, socket, head, (ws) => {
      this.sockets.add(ws)
      ws.once('close', () => this.sockets.delete(ws))
      const stream = createWebSocketStream(ws)
      stream.on('error', () => ws.terminate())
      this.onConnection(stream, request)
    })
  }

  get connections(): number {
    return this.sockets.size
  }

  /** Closes every MQTT-over-WebSocket connection (their HTTP server's close would otherwise wait for them). */
  async close(): Promise<void> {
    const closed = [...this.sockets].map((ws) => new Promise<void>((resolve) => {
      if (ws.readyState === ws.CLOSED) return resolve()
      ws.once('close', () => resolve())
      ws.terminate()
    }))
    await Promise.all(closed)
    await new Promise<void>((resolve) => this.wss.close(() => resolve()))
  }
}
