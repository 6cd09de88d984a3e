// Stands in for the ws package in the bundle: mqtt.js loads its WebSocket transport (ws, which needs node:http,
// node:https, node:crypto and node:zlib) while it connects, whatever the protocol; the bridge speaks mqtt:// and
// mqtts:// only. A ws:// or wss:// URL fails with this error.
function WebSocket() {
  throw new Error('mqtt_bridge: ws:// and wss:// are not in this bundle; use mqtt:// or mqtts://');
}
WebSocket.WebSocket = WebSocket;
WebSocket.createWebSocketStream = WebSocket;
module.exports = WebSocket;
