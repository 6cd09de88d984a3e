import { LABEL_SEPARATOR } from '@os/session';

/** A ROM module name no session could ask for: empty, or holding the label separator `" -> "`. */
export class RomModuleNameError extends Error {
  /** Creates the error for `name`. */
  constructor(
    /** The rejected name. */
    readonly moduleName: string,
  ) {
    super(
      moduleName.length === 0
        ? 'a ROM module needs a non-empty name (sessions select modules by their label\'s last element)'
        : `ROM module name "${moduleName}" contains "${LABEL_SEPARATOR}", which a session label's last element never does; rename the module`,
    );
    this.name = 'RomModuleNameError';
  }
}

/** Throws {@link RomModuleNameError} unless `name` can be a label's last element. */
export function checkRomModuleName(name: string): void {
  if (name.length === 0 || name.includes(LABEL_SEPARATOR)) throw new RomModuleNameError(name);
}
