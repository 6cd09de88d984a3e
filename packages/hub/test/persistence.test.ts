import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { deviceClient, startTestHub } from './hub-fixture.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('a restarted hub', () => {
  it('keeps its devices, keys, twins, CA and service key in the data directory', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'os-hub-restart-'));
    dirs.push(dataDir);
    const first = await startTestHub({ dataDir });
    const connectionString = await first.addDevice('keeper');
    const client = await deviceClient(connectionString, first.hub.ca);
    await client.open();
    const twin = await client.getTwin();
    await new Promise<void>((resolve, reject) =>
      twin.properties.reported.update({ state: 'running' }, (error?: Error) => (error ? reject(error) : resolve())),
    );
    await client.close();
    await first.service.patchDesired('keeper', { rate: 7 });
    const ca = readFileSync(first.hub.caPath, 'utf8');
    const { port, httpsPort, serviceConnectionString } = first.hub;
    await first.stop();

    const second = await startTestHub({ dataDir, port, httpsPort });
    try {
      expect(second.hub.serviceConnectionString).toBe(serviceConnectionString);
      expect(second.hub.ca).toBe(ca);
      expect(second.hub.deviceConnectionString('keeper')).toBe(connectionString);
      const again = await deviceClient(connectionString, second.hub.ca);
      await again.open();
      try {
        const properties = (await again.getTwin()).properties;
        expect(properties.desired).toMatchObject({ rate: 7, $version: 2 });
        expect(properties.reported).toMatchObject({ state: 'running', $version: 2 });
      } finally {
        await again.close();
      }
    } finally {
      await second.stop();
    }
  });
});
