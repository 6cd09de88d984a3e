import { MemoryRamStore } from './memory-ram-store.js';
import type { VfsBackends } from './vfs-backends.js';

/** Options of {@link MemoryBackends}. */
export interface MemoryBackendsOptions {
  /** The ROM modules there are, by label; text is stored as UTF-8. */
  readonly roms?: Readonly<Record<string, string | Uint8Array>> | undefined;
  /** The bytes `<ram/>` contents may take; no limit when absent. */
  readonly ramBudget?: number | undefined;
  /** The wall time, ms since the epoch; 0 when absent. */
  readonly nowMs?: number | undefined;
}

/**
 * {@link VfsBackends} in plain memory: ROMs in a map that can change, a budgeted
 * {@link MemoryRamStore}, the log collected, a clock that moves when told. For tests of programs on
 * the VFS and for tools that run them outside a component.
 */
export class MemoryBackends implements VfsBackends {
  /** The ROM modules by label; change it to update or withdraw a ROM. */
  readonly roms = new Map<string, Uint8Array>();
  /** The RAM for `<ram/>` contents, with the byte count a test checks. */
  readonly ram: MemoryRamStore;
  /** The text of each write to a `<log/>` file, in order. */
  readonly logged: string[] = [];
  /** The wall time `now()` reports; set it to move the clock. */
  nowMs: number;

  /** Backends as `options` say. */
  constructor(options: MemoryBackendsOptions = {}) {
    for (const [label, content] of Object.entries(options.roms ?? {})) this.setRom(label, content);
    this.ram = new MemoryRamStore(options.ramBudget);
    this.nowMs = options.nowMs ?? 0;
  }

  /** Makes `content` the ROM `label` (text as UTF-8). */
  setRom(label: string, content: string | Uint8Array): void {
    this.roms.set(label, typeof content === 'string' ? new TextEncoder().encode(content) : content);
  }

  /** The ROM `label` from {@link MemoryBackends.roms}. */
  rom(label: string): Uint8Array | undefined {
    return this.roms.get(label);
  }

  /** Collects `text` in {@link MemoryBackends.logged}. */
  log(text: string): void {
    this.logged.push(text);
  }

  /** The wall time set in {@link MemoryBackends.nowMs}. */
  now(): number {
    return this.nowMs;
  }
}
