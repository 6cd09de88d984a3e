import { ROM_SESSION_RAM } from '@os/runtime';

/**
 * What a component loaded from a module file spends at start, before its `construct` runs: the
 * runtime's signal contexts (resource_avail, heartbeat, session signals, the starter) and thread
 * plumbing, its LOG session's donation, and the config ROM session the loader opens to learn whether
 * it is a libc program (64K of RAM and 2 capabilities, given back once it is read). A start entry with
 * less makes its component ask init for resources before it ever runs, and wait there. The capabilities
 * are what the hw kernel needs, the most of the three (measured: 9 on hw, 7 on NOVA and seL4): a config
 * does not name the kernel it runs on.
 */
export const MODULE_START_QUOTA: { readonly ram: number; readonly caps: number } = { ram: ROM_SESSION_RAM, caps: 9 };
