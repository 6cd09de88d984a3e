import { MAX_MESSAGE_BYTES, propertyBag } from '@os/iothub';
import deviceSdk from 'azure-iot-device';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from './edge-hub-system.js';
import { closed, GATEWAY, mqttLeaf, sdkLeaf, startGateway, type TestGateway } from './gateway-fixture.js';
import type { RecordingLink } from './recording-upstream.js';

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startGateway({ config: 'verbose="yes"' });
});
afterAll(async () => {
  await gateway?.stop();
});

const encoder = new TextEncoder();

async function linkOf(deviceId: string, count = 1): Promise<RecordingLink> {
  await until(() => gateway.upstream.linksOf(deviceId).length >= count, `link ${count} of ${deviceId}`);
  return gateway.upstream.linksOf(deviceId)[count - 1] as RecordingLink;
}

describe(`the edge hub's leaf side, the device SDK and mqtt.js as leaves, on ${process.env['OS_KERNEL']}`, () => {
  it("passes the SDK's telemetry to the leaf's link with its properties, body as sent", async () => {
    const client = await sdkLeaf(gateway, 'leaf-1');
    try {
      const message = new deviceSdk.Message(JSON.stringify({ counter: 1 }));
      message.properties.add('line', 'a b');
      message.messageId = 'm-1';
      message.contentType = 'application/json';
      message.contentEncoding = 'utf-8';
      await client.sendEvent(message);
      const link = await linkOf('leaf-1');
      expect(link.identity.deviceId).toBe('leaf-1');
      expect(link.bodies()).toEqual(['{"counter":1}']);
      const bag = propertyBag(link.sent[0]?.properties ?? '');
      expect(bag.properties).toEqual({ line: 'a b' });
      expect(bag.systemProperties).toMatchObject({
        messageId: 'm-1',
        contentType: 'application/json',
        contentEncoding: 'utf-8',
      });
      await gateway.system.line('[init -> edge_hub] device leaf-1 connected');
      expect((await gateway.system.hub()).connectedLeaves()).toContain('leaf-1');
    } finally {
      await client.close();
    }
    const link = await linkOf('leaf-1');
    await until(() => link.closed, "leaf-1's link closed after the SDK closed");
  });

  it('acknowledges a telemetry message only once the link took it', async () => {
    const client = await mqttLeaf(gateway, 'leaf-2');
    try {
      const link = await linkOf('leaf-2');
      gateway.upstream.hold();
      let acknowledged = false;
      const published = client.publishAsync('devices/leaf-2/messages/events/n=1', 'held', { qos: 1 }).then(() => {
        acknowledged = true;
      });
      await until(() => link.sent.length === 1, 'the held message at the link');
      // a SUBACK comes after the PUBACK would have: the gateway handles a leaf's packets in order
      await client.subscribeAsync('$iothub/twin/res/#', { qos: 0 });
      expect(acknowledged).toBe(false);
      gateway.upstream.release();
      await published;
      expect(acknowledged).toBe(true);
      expect(link.sent.map((message) => message.properties)).toEqual(['n=1']);
      expect(link.subscribed).toEqual(['$iothub/twin/res/#']);
    } finally {
      gateway.upstream.release();
      await client.endAsync();
    }
  });

  it("brings a direct method from upstream to the SDK's onDeviceMethod, and its answer upstream", async () => {
    const client = await sdkLeaf(gateway, 'leaf-3');
    try {
      const requests: unknown[] = [];
      client.onDeviceMethod('runWorkflow', (request, response) => {
        requests.push(request.payload);
        void response.send(200, { workflow: (request.payload as { name: string }).name, id: 'w-1' });
      });
      const link = await linkOf('leaf-3');
      await until(() => link.subscribed.includes('$iothub/methods/POST/#'), 'the SDK subscribed to methods');
      link.events.message('$iothub/methods/POST/runWorkflow/?$rid=7', encoder.encode('{"name":"paint"}'));
      await until(() => link.published.length > 0, 'the method response at the link');
      expect(requests).toEqual([{ name: 'paint' }]);
      expect(link.published).toEqual([
        { topic: '$iothub/methods/res/200/?$rid=7', payload: '{"workflow":"paint","id":"w-1"}' },
      ]);
    } finally {
      await client.close();
    }
  });

  it('sends a leaf only what it subscribed to, and refuses a filter IoT Hub does not allow with 0x80', async () => {
    const client = await mqttLeaf(gateway, 'leaf-4');
    try {
      const link = await linkOf('leaf-4');
      const received: string[] = [];
      client.on('message', (topic) => received.push(topic));
      // mqtt.js rejects a SUBACK with a failure in it; the SUBACK rides on the error
      const suback = await client
        .subscribeAsync({
          '$iothub/twin/PATCH/properties/desired/#': { qos: 2 },
          'devices/leaf-1/messages/devicebound/#': { qos: 1 },
          '#': { qos: 0 },
        })
        .then(
          () => undefined,
          (error: { packet?: { granted?: number[] } }) => error.packet,
        );
      expect(suback?.granted).toEqual([1, 0x80, 0x80]);
      expect(link.subscribed).toEqual(['$iothub/twin/PATCH/properties/desired/#']);
      link.events.message('$iothub/methods/POST/reboot/?$rid=1', encoder.encode('{}'));
      link.events.message('$iothub/twin/PATCH/properties/desired/?$version=2', encoder.encode('{"a":1}'));
      await until(() => received.length > 0, 'the desired patch at the leaf');
      await client.subscribeAsync('$iothub/twin/res/#');
      expect(received).toEqual(['$iothub/twin/PATCH/properties/desired/?$version=2']);
      await gateway.system.line('device leaf-4: may not subscribe to devices/leaf-1/messages/devicebound/#');
    } finally {
      await client.endAsync();
    }
  });

  it("closes the connection of a leaf that publishes on another device's topic, as IoT Hub does", async () => {
    const client = await mqttLeaf(gateway, 'leaf-5');
    const link = await linkOf('leaf-5');
    const ended = closed(client);
    client.publish('devices/leaf-1/messages/events/', 'not mine', { qos: 1 });
    await ended;
    await gateway.system.line('device leaf-5: may not publish to devices/leaf-1/messages/events/');
    await until(() => link.closed, "leaf-5's link closed");
    expect(link.sent).toEqual([]);
    client.end(true);
  });

  it("takes a message of IoT Hub's 256 KB and closes the connection of a leaf that sends more", async () => {
    const client = await mqttLeaf(gateway, 'leaf-6');
    const link = await linkOf('leaf-6');
    await client.publishAsync('devices/leaf-6/messages/events/', Buffer.alloc(MAX_MESSAGE_BYTES, 1), { qos: 1 });
    expect(link.sent.map((message) => message.body.length)).toEqual([MAX_MESSAGE_BYTES]);
    const ended = closed(client);
    client.publish('devices/leaf-6/messages/events/', Buffer.alloc(MAX_MESSAGE_BYTES + 1, 2), { qos: 1 });
    await ended;
    await gateway.system.line(
      `device leaf-6: sent a message of ${MAX_MESSAGE_BYTES + 1} bytes, over IoT Hub's 256 KB limit`,
    );
    expect(link.sent).toHaveLength(1);
    client.end(true);

    // a packet announcing far more is refused before it is read whole
    const again = await mqttLeaf(gateway, 'leaf-6');
    const endedAgain = closed(again);
    again.publish('devices/leaf-6/messages/events/', Buffer.alloc(4 * 1024 * 1024, 3), { qos: 1 });
    await endedAgain;
    await gateway.system.line('device leaf-6: sent a packet of 4194', 0);
    expect((await linkOf('leaf-6', 2)).sent).toEqual([]);
    again.end(true);
  });

  it('closes the older connection when a leaf connects again with the same id, as IoT Hub does', async () => {
    const first = await mqttLeaf(gateway, 'leaf-2');
    const links = gateway.upstream.linksOf('leaf-2').length;
    const firstLink = await linkOf('leaf-2', links);
    const firstEnded = closed(first);
    const second = await mqttLeaf(gateway, 'leaf-2');
    try {
      await firstEnded;
      await gateway.system.line('device leaf-2: replaced by a new connection with the same device id');
      expect(firstLink.closed).toBe(true);
      const secondLink = await linkOf('leaf-2', links + 1);
      await second.publishAsync('devices/leaf-2/messages/events/', 'from the second', { qos: 1 });
      expect(secondLink.bodies()).toEqual(['from the second']);
      expect(secondLink.closed).toBe(false);
      expect((await gateway.system.hub()).connectedLeaves().filter((id) => id === 'leaf-2')).toEqual(['leaf-2']);
    } finally {
      first.end(true);
      await second.endAsync();
    }
  });

  it('keeps serving the leaves after all of that', async () => {
    const client = await mqttLeaf(gateway, 'leaf-1');
    try {
      await client.publishAsync('devices/leaf-1/messages/events/', 'still here', { qos: 1 });
      expect(gateway.upstream.latest('leaf-1')?.bodies()).toEqual(['still here']);
      expect(gateway.system.lines.filter((line) => line.includes('Error'))).toEqual([]);
      expect(gateway.system.lines.some((line) => line.includes(`device scope of ${GATEWAY}: `))).toBe(true);
    } finally {
      await client.endAsync();
    }
  });
});
