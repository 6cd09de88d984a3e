// mqtt_bridge, the second component of the seed's Figure 7: a plain Node program that connects to the MQTT broker
// its arguments name, subscribes to one topic and republishes each message to another. It uses the mqtt package from
// npm as it is; under the libc shim its node:net and node:tls are the component's routed Net session.
//
//   mqtt_bridge <broker URL> <source topic> <target topic>      e.g. mqtt://127.0.0.1:1883 sensors/in sensors/out
//
// Environment: MQTT_CLIENT_ID (default mqtt_bridge), MQTT_USERNAME, MQTT_PASSWORD, MQTT_QOS (0 or 1, default 1),
// MQTT_CA_FILE (a file of PEM CA certificates the broker's certificate must chain to, for mqtts://).

import { readFileSync } from 'node:fs';
import process from 'node:process';
import mqtt from 'mqtt';

const [broker, source, target] = process.argv.slice(2);
if (broker === undefined || source === undefined || target === undefined) {
  console.error('usage: mqtt_bridge <broker URL> <source topic> <target topic>');
  process.exit(2);
}
const qos = process.env.MQTT_QOS === '0' ? 0 : 1;
const client = mqtt.connect(broker, {
  clientId: process.env.MQTT_CLIENT_ID ?? 'mqtt_bridge',
  ...(process.env.MQTT_USERNAME === undefined ? {} : { username: process.env.MQTT_USERNAME }),
  ...(process.env.MQTT_PASSWORD === undefined ? {} : { password: process.env.MQTT_PASSWORD }),
  ...(process.env.MQTT_CA_FILE === undefined ? {} : { ca: readFileSync(process.env.MQTT_CA_FILE, 'utf8') }),
  reconnectPeriod: 1000,
});

let bridged = 0;
client.on('connect', () => {
  console.log(`connected to ${broker}`);
  client.subscribe(source, { qos }, (error) => {
    if (error) console.error(`cannot subscribe to ${source}: ${error.message}`);
    else console.log(`bridging ${source} -> ${target}`);
  });
});
client.on('message', (topic, payload) => {
  if (topic !== source) return;
  client.publish(target, payload, { qos }, (error) => {
    if (error) console.error(`cannot republish to ${target}: ${error.message}`);
    else if (++bridged % 100 === 1) console.log(`bridged ${bridged} message${bridged === 1 ? '' : 's'}`);
  });
});
client.on('error', (error) => console.error(`mqtt: ${error.code ?? error.name}: ${error.message}`));
client.on('offline', () => console.log(`offline; reconnecting to ${broker}`));
