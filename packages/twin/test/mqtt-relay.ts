// A TLS relay between the twin and the hub, for the tests that need what the hub never sends by itself (a stale
// desired notification, a desired document over IoT Hub's limits): it presents the hub's own certificate (from the
// hub's data directory) to the device, opens its own TLS connection to the hub for each device connection, passes
// the device's bytes on as they are and the hub's packet by packet, and can put a PUBLISH of its own between two
// of the hub's packets.

import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { connect, createServer, type TLSSocket } from 'node:tls';
import { generate, parser } from 'mqtt-packet';

/** A running relay. */
export interface MqttRelay {
  /** The port on 127.0.0.1 it listens on. */
  readonly port: number;
  /** Sends a QoS 0 PUBLISH of `payload` on `topic` to every device connected through it, as if from the hub. */
  inject(topic: string, payload: string): void;
  /** Stops listening and ends every connection. */
  close(): Promise<void>;
}

/** Starts a relay to the hub listening on 127.0.0.1:`hubPort` with its data directory `dataDir`. */
export async function startRelay(hubPort: number, dataDir: string): Promise<MqttRelay> {
  const ca = readFileSync(join(dataDir, 'ca.pem'), 'utf8');
  const devices = new Set<TLSSocket>();
  const sockets = new Set<TLSSocket>();
  const server = createServer(
    { cert: readFileSync(join(dataDir, 'server.pem')), key: readFileSync(join(dataDir, 'server.key.pem')) },
    (device) => {
      const hub = connect({ host: '127.0.0.1', port: hubPort, ca, servername: 'localhost' });
      sockets.add(device).add(hub);
      devices.add(device);
      const packets = parser({ protocolVersion: 4 });
      packets.on('packet', (packet) => device.write(generate(packet)));
      hub.on('data', (chunk: Buffer) => packets.parse(chunk));
      device.pipe(hub);
      const end = (): void => {
        devices.delete(device);
        device.destroy();
        hub.destroy();
      };
      for (const socket of [device, hub]) {
        socket.on('error', end);
        socket.on('close', end);
      }
    },
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    inject(topic, payload) {
      const packet = generate({ cmd: 'publish', topic, payload, qos: 0, retain: false, dup: false });
      for (const device of devices) device.write(packet);
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
