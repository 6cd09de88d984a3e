import type { Child, ChildService, LocalService, Pd } from '@os/runtime';
import type { Connection } from '@os/session';
import type { ConfigRomService } from './config-rom.js';
import type { StartEntry } from './model.js';

/** A started child as init keeps it (Genode's `Sandbox::Child`, `repos/os/src/lib/sandbox/child.h`). */
export interface RunningChild {
  /** Its start entry, as last applied. */
  entry: StartEntry;
  /** init's id for it: counts up with every start. */
  readonly id: number;
  /** The parent side of the child. */
  readonly child: Child;
  /** init's ROM service for the child's config, when its start entry has one. */
  readonly configRom: ConfigRomService | null;
  /** Its PD session, which init holds. */
  readonly pd: Connection<typeof Pd>;
  /** The services it announced. */
  readonly announced: Set<string>;
  /** The services it provides as init routes to them, made on first use (null: none yet, as for most children). */
  services: Map<string, ChildService> | null;
  /** Ends the notes (`Env.waitFor`) of requests waiting for it to announce a service, by service; made on first use. */
  announcements: Map<string, (() => void)[]> | null;
  /** Its `<config>` ROM as the service init routes the child's config requests to. */
  readonly configService: LocalService | null;
  /** What init lent it so far. */
  readonly assigned: { ram: number; caps: number };
  /** Its pending `resource_request`, if any. */
  requested: { ram: number; caps: number } | null;
  /** Its exit value, once it exited. */
  exited: number | null;
  /** Skipped heartbeats at the last check. */
  skipped: number;
}

/** Whether `entry` lends less RAM or capabilities than `running` holds: what a downgrade takes back. */
export function takesBack(running: RunningChild, entry: StartEntry): boolean {
  return Math.max(0, running.assigned.ram - entry.ram) !== 0 || Math.max(0, running.assigned.caps - entry.caps) !== 0;
}

/** Whether `entry` lends more RAM or capabilities than `running` holds: what an upgrade adds. */
export function lends(running: RunningChild, entry: StartEntry): boolean {
  return Math.max(0, entry.ram - running.assigned.ram) !== 0 || Math.max(0, entry.caps - running.assigned.caps) !== 0;
}
