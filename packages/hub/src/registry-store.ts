import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { DeviceRecord } from './device-record.js';
import type { TelemetryMessage } from './telemetry-message.js';
import type { TwinState } from './twin-state.js';

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS devices (id TEXT PRIMARY KEY, record TEXT NOT NULL, twin TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS telemetry (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    device_id TEXT NOT NULL,
    enqueued_time TEXT NOT NULL,
    body BLOB NOT NULL,
    properties TEXT NOT NULL,
    system_properties TEXT NOT NULL
  );
  CREATE INDEX IF NOT EXISTS telemetry_by_device ON telemetry (device_id, seq);
`;

interface DeviceRow {
  readonly record: string;
  readonly twin: string;
}

interface TelemetryRow {
  readonly device_id: string;
  readonly enqueued_time: string;
  readonly body: Buffer;
  readonly properties: string;
  readonly system_properties: string;
}

/** Devices, twins, settings and telemetry in one SQLite file (`hub.sqlite` in the data directory). */
export class RegistryStore {
  readonly #db: Database.Database;
  readonly #telemetryLimit: number;

  constructor(dataDir: string, telemetryLimit: number) {
    this.#db = new Database(join(dataDir, 'hub.sqlite'));
    this.#db.pragma('journal_mode = WAL');
    this.#db.exec(SCHEMA);
    this.#telemetryLimit = telemetryLimit;
  }

  /** The setting `name`, made by `make` and kept when there is none yet. */
  setting(name: string, make: () => string): string {
    const row = this.#db.prepare('SELECT value FROM settings WHERE name = ?').get(name) as
      | { value: string }
      | undefined;
    if (row !== undefined) return row.value;
    const value = make();
    this.#db.prepare('INSERT INTO settings (name, value) VALUES (?, ?)').run(name, value);
    return value;
  }

  device(id: string): { record: DeviceRecord; twin: TwinState } | undefined {
    const row = this.#db.prepare('SELECT record, twin FROM devices WHERE id = ?').get(id) as DeviceRow | undefined;
    return row === undefined ? undefined : { record: JSON.parse(row.record), twin: JSON.parse(row.twin) };
  }

  devices(limit: number): DeviceRecord[] {
    const rows = this.#db.prepare('SELECT record FROM devices ORDER BY id LIMIT ?').all(limit) as DeviceRow[];
    return rows.map((row) => JSON.parse(row.record) as DeviceRecord);
  }

  /**
   * Up to `limit` devices whose parent is the edge device of `scope`, by id, after `afterId`: leaf devices whose
   * `deviceScope` it is and edge devices whose `parentScopes` hold it.
   */
  children(scope: string, afterId: string, limit: number): DeviceRecord[] {
    const rows = this.#db
      .prepare(
        "SELECT record FROM devices WHERE id > ? AND (json_extract(record, '$.deviceScope') = ? OR EXISTS " +
          "(SELECT 1 FROM json_each(record, '$.parentScopes') WHERE value = ?)) ORDER BY id LIMIT ?",
      )
      .all(afterId, scope, scope, limit) as DeviceRow[];
    return rows.map((row) => JSON.parse(row.record) as DeviceRecord);
  }

  countDevices(): number {
    return (this.#db.prepare('SELECT count(*) AS n FROM devices').get() as { n: number }).n;
  }

  putDevice(record: DeviceRecord, twin: TwinState): void {
    this.#db
      .prepare('INSERT OR REPLACE INTO devices (id, record, twin) VALUES (?, ?, ?)')
      .run(record.deviceId, JSON.stringify(record), JSON.stringify(twin));
  }

  putTwin(id: string, twin: TwinState): void {
    this.#db.prepare('UPDATE devices SET twin = ? WHERE id = ?').run(JSON.stringify(twin), id);
  }

  deleteDevice(id: string): void {
    this.#db.transaction(() => {
      this.#db.prepare('DELETE FROM devices WHERE id = ?').run(id);
      this.#db.prepare('DELETE FROM telemetry WHERE device_id = ?').run(id);
    })();
  }

  /** Keeps `message`, dropping the device's oldest beyond the telemetry limit. */
  addTelemetry(message: TelemetryMessage): void {
    this.#db.transaction(() => {
      this.#db
        .prepare(
          'INSERT INTO telemetry (device_id, enqueued_time, body, properties, system_properties) ' +
            'VALUES (?, ?, ?, ?, ?)',
        )
        .run(
          message.deviceId,
          message.enqueuedTime,
          message.body,
          JSON.stringify(message.properties),
          JSON.stringify(message.systemProperties),
        );
      this.#db
        .prepare(
          'DELETE FROM telemetry WHERE device_id = ? AND seq <= ' +
            '(SELECT seq FROM telemetry WHERE device_id = ? ORDER BY seq DESC LIMIT 1 OFFSET ?)',
        )
        .run(message.deviceId, message.deviceId, this.#telemetryLimit);
    })();
  }

  telemetry(deviceId: string): TelemetryMessage[] {
    const rows = this.#db
      .prepare('SELECT * FROM telemetry WHERE device_id = ? ORDER BY seq')
      .all(deviceId) as TelemetryRow[];
    return rows.map((row) => ({
      deviceId: row.device_id,
      enqueuedTime: row.enqueued_time,
      body: row.body,
      properties: JSON.parse(row.properties),
      systemProperties: JSON.parse(row.system_properties),
    }));
  }

  close(): void {
    this.#db.close();
  }
}
