import { request } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Registry } from 'azure-iothub';
import { createSharedAccessSignature, type Hub, HubRequestError } from '../src/index.js';
import { serviceRegistry, startTestHub, type TestHub } from './hub-fixture.js';

let test: TestHub;
beforeAll(async () => {
  test = await startTestHub();
});
afterAll(async () => {
  await test.stop();
});

interface Answer {
  readonly status: number;
  readonly body: { devices?: { deviceId: string }[]; modules?: unknown[]; continuationLink?: string | null };
  readonly errorCode: string | undefined;
}

/** A GET of the hub's service API with `authorization`, as the gateway's edge hub sends it. */
function get(hub: Hub, path: string, authorization: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      { host: '127.0.0.1', port: hub.httpsPort, servername: 'localhost', ca: hub.ca, path, headers: { authorization } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const code = response.headers['iothub-errorcode'];
          resolve({
            status: response.statusCode ?? 0,
            body: text === '' ? {} : JSON.parse(text),
            errorCode: typeof code === 'string' ? code : undefined,
          });
        });
      },
    );
    outgoing.on('error', reject);
    outgoing.end();
  });
}

/** A SAS token of device `deviceId` (its primary key), for `resource` under the hub's host. */
async function deviceToken(deviceId: string, resource = `localhost:${test.hub.httpsPort}/devices/${deviceId}`) {
  const device = await test.service.getDevice(deviceId);
  const key = (device['authentication'] as { symmetricKey: { primaryKey: string } }).symmetricKey.primaryKey;
  return createSharedAccessSignature(resource, key, Math.floor(Date.now() / 1000) + 600);
}

function scopePath(gatewayId: string, query = ''): string {
  const operation = 'devicesAndModulesInDeviceScope?api-version=2018-08-30-preview';
  return `/devices/${gatewayId}/modules/%24edgeHub/${operation}${query}`;
}

describe('parent and child devices', () => {
  it("gives an edge device a deviceScope, and a child the parent's scope as deviceScope and parentScopes", async () => {
    const gateway = await test.service.addDevice('gw-1', { edge: true });
    expect(gateway['capabilities']).toEqual({ iotEdge: true });
    expect(gateway['deviceScope']).toMatch(/^ms-azure-iot-edge:\/\/gw-1-\d{18}$/);
    expect(gateway['parentScopes']).toEqual([]);
    const leaf = await test.service.addDevice('leaf-1', { parent: 'gw-1' });
    expect(leaf['deviceScope']).toBe(gateway['deviceScope']);
    expect(leaf['parentScopes']).toEqual([gateway['deviceScope']]);
    expect(leaf['capabilities']).toEqual({ iotEdge: false });
    const twin = await test.service.getTwin('leaf-1');
    expect(twin['parentScopes']).toEqual([gateway['deviceScope']]);
    const nested = await test.service.addDevice('gw-2', { edge: true, parent: 'gw-1' });
    expect(nested['parentScopes']).toEqual([gateway['deviceScope']]);
    expect(nested['deviceScope']).not.toBe(gateway['deviceScope']);
  });

  it("takes the relation from Microsoft's service SDK: create with deviceScope, update removes it", async () => {
    const registry = serviceRegistry(test.hub);
    // the relation fields as the REST API returns them (azure-iothub's Device type declares them only in some builds)
    type Scoped = Registry.DeviceDescription & { deviceScope?: string; parentScopes?: string[] };
    const edge = (await registry.create({ deviceId: 'sdk-gw', capabilities: { iotEdge: true } }))
      .responseBody as Scoped;
    expect(edge.deviceScope).toMatch(/^ms-azure-iot-edge:\/\/sdk-gw-/);
    const created = await registry.create({ deviceId: 'sdk-leaf', deviceScope: edge.deviceScope } as Scoped);
    const child = created.responseBody as Scoped;
    expect(child.parentScopes).toEqual([edge.deviceScope]);
    const got = (await registry.get('sdk-leaf')).responseBody as Scoped;
    expect(got.deviceScope).toBe(edge.deviceScope);
    // as az iot hub device-identity children remove does: the document back with deviceScope "" (parentScopes stale)
    const removed = (await registry.update({ ...got, deviceScope: '' } as Scoped)).responseBody as Scoped;
    expect(removed.deviceScope).toBe('');
    expect(removed.parentScopes).toEqual([]);
  });

  it('refuses a missing parent, a parent that is not an edge device, and a made-up or foreign scope', async () => {
    await test.service.addDevice('plain');
    await expect(test.service.addDevice('orphan', { parent: 'nobody' })).rejects.toMatchObject({
      status: 404,
      errorCode: 'DeviceNotFound',
    });
    const notEdge = test.service.addDevice('orphan', { parent: 'plain' });
    await expect(notEdge).rejects.toThrow(HubRequestError);
    await expect(notEdge).rejects.toThrow(/plain is not an IoT Edge device/);
    // what a client that skips the check sends: the service API refuses it itself
    const forged = await test.service.request('PUT', '/devices/orphan', {
      deviceId: 'orphan',
      deviceScope: 'ms-azure-iot-edge://plain-000000000000000000',
    });
    expect(forged.status).toBe(400);
    expect(JSON.stringify(forged.body)).toMatch(/no device's/);
    const stale = await test.service.request('PUT', '/devices/orphan', {
      deviceId: 'orphan',
      deviceScope: 'ms-azure-iot-edge://gw-1-123',
    });
    expect(stale.status).toBe(400);
    const edgeScope = await test.service.request('PUT', '/devices/own-scope', {
      deviceId: 'own-scope',
      capabilities: { iotEdge: true },
      deviceScope: 'ms-azure-iot-edge://gw-1-1',
    });
    expect(edgeScope.status).toBe(400);
    expect(JSON.stringify(edgeScope.body)).toMatch(/made by the hub/);
    for (const body of [{ deviceScope: 5 }, { capabilities: { iotEdge: true }, parentScopes: 'x' }]) {
      expect((await test.service.request('PUT', '/devices/bad-shape', { deviceId: 'bad-shape', ...body })).status).toBe(
        400,
      );
    }
    await expect(test.service.getDevice('orphan')).rejects.toMatchObject({ status: 404 });
  });

  it('refuses a cycle of edge devices and an edge device with children that stops being one', async () => {
    await test.service.addDevice('ring-a', { edge: true });
    await test.service.addDevice('ring-b', { edge: true, parent: 'ring-a' });
    const cycle = test.service.setRelation('ring-a', { edge: true, parent: 'ring-b' });
    await expect(cycle).rejects.toThrow(/cannot be a parent of itself, nor a child of its own children/);
    const demote = test.service.setRelation('ring-a', {});
    await expect(demote).rejects.toThrow(/has children \(ring-b \.\.\.\)/);
  });
});

describe('the device-scope API (what the edge hub fetches to authenticate its children)', () => {
  it("lists a gateway's children with their keys and status to the gateway itself, and nothing else", async () => {
    await test.service.addDevice('scope-gw', { edge: true });
    await test.service.addDevice('other-gw', { edge: true });
    for (const id of ['scope-a', 'scope-b']) await test.service.addDevice(id, { parent: 'scope-gw' });
    await test.service.addDevice('other-leaf', { parent: 'other-gw' });
    const answer = await get(test.hub, scopePath('scope-gw'), await deviceToken('scope-gw'));
    expect(answer.status).toBe(200);
    expect(answer.body.devices?.map((device) => device.deviceId)).toEqual(['scope-a', 'scope-b']);
    expect(answer.body.modules).toEqual([]);
    expect(answer.body.continuationLink).toBeNull();
    const first = answer.body.devices?.[0] as unknown as Record<string, unknown>;
    const registered = await test.service.getDevice('scope-a');
    expect(first['authentication']).toEqual(registered['authentication']);
    expect(first['status']).toBe('enabled');
    // the token of $edgeHub's resource (IoT Edge signs as its module) is taken with the device's key too
    const moduleResource = `localhost:${test.hub.httpsPort}/devices/scope-gw/modules/$edgeHub`;
    expect((await get(test.hub, scopePath('scope-gw'), await deviceToken('scope-gw', moduleResource))).status).toBe(
      200,
    );
  });

  it("gives another device, a child, or a token for another resource nothing of a gateway's children", async () => {
    const asOther = await get(test.hub, scopePath('scope-gw'), await deviceToken('other-gw'));
    expect(asOther.status).toBe(401);
    expect(asOther.errorCode).toBe('IotHubUnauthorizedAccess');
    expect(asOther.body.devices).toBeUndefined();
    expect((await get(test.hub, scopePath('scope-gw'), await deviceToken('scope-a'))).status).toBe(401);
    // a gateway's own token for another gateway's path, or a token of the right device for a twin path
    const own = await deviceToken('other-gw');
    expect((await get(test.hub, scopePath('scope-gw'), own)).status).toBe(401);
    expect((await get(test.hub, '/twins/scope-a?api-version=2021-04-12', await deviceToken('scope-gw'))).status).toBe(
      401,
    );
    // the other gateway sees its own child only
    const others = await get(test.hub, scopePath('other-gw'), own);
    expect(others.body.devices?.map((device) => device.deviceId)).toEqual(['other-leaf']);
    // a device that is not an edge device has an empty scope
    await test.service.addDevice('plain-scope');
    const plain = await get(test.hub, scopePath('plain-scope'), await deviceToken('plain-scope'));
    expect(plain.body.devices).toEqual([]);
  });

  it('pages with deviceCount and the continuationLink, and answers one target only when it is a child', async () => {
    const token = await deviceToken('scope-gw');
    const page = await get(test.hub, scopePath('scope-gw', '&deviceCount=1&continuationToken='), token);
    expect(page.body.devices?.map((device) => device.deviceId)).toEqual(['scope-a']);
    const link = page.body.continuationLink ?? '';
    expect(link).toMatch(/^\/devices\/scope-gw\/modules\/%24edgeHub\/devicesAndModulesInDeviceScope\?deviceCount=1&/);
    const next = await get(test.hub, link, token);
    expect(next.body.devices?.map((device) => device.deviceId)).toEqual(['scope-b']);
    const end = await get(test.hub, next.body.continuationLink ?? '', token);
    expect(end.body).toEqual({ devices: [], modules: [], continuationLink: null });
    for (const bad of ['&deviceCount=0', '&deviceCount=1001', '&deviceCount=x', '&continuationToken=%2F%2F']) {
      expect((await get(test.hub, scopePath('scope-gw', bad), token)).status).toBe(400);
    }
    const target = (id: string) =>
      `/devices/scope-gw/modules/%24edgeHub/deviceAndModuleInDeviceScope?targetDeviceId=${id}&targetModuleId=` +
      '&api-version=2018-08-30-preview';
    const one = await get(test.hub, target('scope-b'), token);
    expect(one.body.devices?.map((device) => device.deviceId)).toEqual(['scope-b']);
    const foreign = await get(test.hub, target('other-leaf'), token);
    const missing = await get(test.hub, target('no-such-device'), token);
    expect(foreign.status).toBe(400);
    expect(missing.status).toBe(400);
    expect(
      JSON.stringify(foreign.body)
        .replace(/other-leaf/g, 'X')
        .replace(/Tracking ID:[^"]*/, ''),
    ).toBe(
      JSON.stringify(missing.body)
        .replace(/no-such-device/g, 'X')
        .replace(/Tracking ID:[^"]*/, ''),
    );
  });

  it('drops a child that leaves the scope, and refuses a disabled gateway and an expired token', async () => {
    await test.service.setRelation('scope-b', {});
    const token = await deviceToken('scope-gw');
    const after = await get(test.hub, scopePath('scope-gw'), token);
    expect(after.body.devices?.map((device) => device.deviceId)).toEqual(['scope-a']);
    const device = await test.service.getDevice('scope-gw');
    const key = (device['authentication'] as { symmetricKey: { primaryKey: string } }).symmetricKey.primaryKey;
    const resource = `localhost:${test.hub.httpsPort}/devices/scope-gw`;
    const expired = createSharedAccessSignature(resource, key, Math.floor(Date.now() / 1000) - 1);
    expect((await get(test.hub, scopePath('scope-gw'), expired)).status).toBe(401);
    await test.service.putDevice('scope-gw', { ...device, status: 'disabled' }, '*');
    expect((await get(test.hub, scopePath('scope-gw'), token)).status).toBe(401);
  });
});
