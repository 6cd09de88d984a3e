import { InvalidCapabilityError, hasErrorCode } from '@os/kernel';
import type { AttachedRomDataspace } from '@os/runtime';

/** How often {@link updateRom} fetches again when the version it fetched was replaced before it was attached. */
const FETCH_ATTEMPTS = 8;

/**
 * Picks up the ROM's current version. The ROM servers here (report_rom, `RomService`) free a version's dataspace as
 * soon as the next one is there, so a version that changes between the client's `dataspace()` call and its attach
 * fails with `InvalidCapabilityError`; the newer version is then fetched.
 */
export async function updateRom(rom: AttachedRomDataspace): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await rom.update();
      return;
    } catch (error) {
      if (attempt >= FETCH_ATTEMPTS || !hasErrorCode(error, InvalidCapabilityError.code)) throw error;
    }
  }
}
