import { ServiceDenied } from '@os/session';
import type { RomSessions } from '../rom-sessions.js';

/**
 * report_rom's reports by name, the full label of their Report session (Genode's `Rom::Registry`):
 * the latest content of each, one reporter per name, and every new report handed to the ROM sessions
 * showing it. A report lives while its Report session does: once that closes, ROM sessions opened
 * later are empty until a new reporter reports, while open ones keep the version they have, as in
 * Genode.
 */
export class ReportRegistry {
  readonly #roms: RomSessions;
  /** The reports that have a reporter, with their latest content (null before the first submit). */
  readonly #reports = new Map<string, Uint8Array | null>();

  /** Hands reports to the sessions in `roms`. */
  constructor(roms: RomSessions) {
    this.#roms = roms;
  }

  /** Registers the reporter of `name`; a second one is denied, as Genode allows one writer per module. */
  attachReporter(name: string): void {
    if (this.#reports.has(name)) {
      throw new ServiceDenied(
        `report "${name}" already has a Report session; report_rom takes one reporter per label (close the other, ` +
          `or label this one differently)`,
      );
    }
    this.#reports.set(name, null);
  }

  /** Forgets the reporter of `name` and its content. */
  detachReporter(name: string): void {
    this.#reports.delete(name);
  }

  /** Makes `content` the report `name`: every ROM session showing it gets it as a new version. */
  write(name: string, content: Uint8Array): void {
    this.#roms.publish(name, content);
    if (this.#reports.has(name)) this.#reports.set(name, content);
  }

  /** The latest content of report `name`; null when it has no reporter or none reported yet. */
  content(name: string): Uint8Array | null {
    return this.#reports.get(name) ?? null;
  }
}
