/**
 * What a flow may touch (docs/decisions/0020, README "Flows"), as Node-RED
 * settings. A flow reaches patients' data only through Varde's nodes (the
 * access layer, the access log); its function nodes may not `require` a
 * module (no `functionExternalModules`, nothing in the global context),
 * nothing is installed from the editor, and the core nodes that reach the
 * host are not loaded: files, commands, raw TCP/UDP, incoming HTTP and
 * WebSocket endpoints, and the MQTT node (the broker is Varde's nodes'
 * alone). Outgoing HTTP (`http request`) stays: integrations are what flows
 * are for (an SMS gateway, a municipality's other systems).
 *
 * Node-RED's function node runs in a `vm` context, which is not a security
 * boundary against a determined author: the editor is for the tenant's
 * administrators, who are trusted to write the tenant's rules, and one
 * runtime serves one tenant (its own process boundary is the wall).
 */
export const EXCLUDED_CORE_NODES = [
  '90-exec.js', // run commands on the host
  '10-file.js', // read and write files
  '23-watch.js', // watch the file system
  '31-tcpin.js', '32-udp.js', // raw sockets
  '21-httpin.js', '22-websocket.js', // endpoints on the platform's own HTTP server
  '06-httpproxy.js',
  '10-mqtt.js', // the broker: Varde's nodes only
] as const

export function sandboxSettings(): Record<string, unknown> {
  return {
    functionExternalModules: false,
    functionGlobalContext: {},
    exportGlobalContextKeys: false,
    externalModules: {
      autoInstall: false,
      palette: { allowInstall: false, allowUpload: false },
      modules: { allowInstall: false },
    },
    nodesExcludes: [...EXCLUDED_CORE_NODES],
    // flows serve no HTTP endpoints of their own
    httpNodeRoot: false,
    httpStatic: undefined,
    diagnostics: { enabled: false, ui: false },
    runtimeState: { enabled: false, ui: false },
    telemetry: { enabled: false, updateNotification: false },
    contextStorage: { default: { module: 'memory' } },
  }
}
