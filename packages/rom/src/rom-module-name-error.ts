import { errorCode } from '@os/kernel';
import { LABEL_SEPARATOR } from '@os/session';

/** A ROM module name no session could ask for: empty, or holding the label separator `" -> "`. */
export class RomModuleNameError extends Error {
  /**
   * Stable code of this failure, `ERR_OS_ROM_MODULE_NAME`: compare it, not the class, to recognise an error from
   * another copy of this package.
   */
  readonly code: string;

  /** The code of this class's errors (`RomModuleNameError.code`); see `errorCode` in `@os/kernel`. */
  static get code(): string {
    return errorCode(this.name);
  }

  /** Creates the error for `name`. */
  constructor(
    /** The rejected name. */
    readonly moduleName: string,
  ) {
    super(
      moduleName.length === 0
        ? "a ROM module needs a non-empty name (sessions select modules by their label's last element)"
        : `ROM module name "${moduleName}" contains "${LABEL_SEPARATOR}", which a session label's last element ` +
            `never does; rename the module`,
    );
    this.name = 'RomModuleNameError';
    this.code = errorCode(new.target.name);
  }
}

/** Throws {@link RomModuleNameError} unless `name` can be a label's last element. */
export function checkRomModuleName(name: string): void {
  if (name.length === 0 || name.includes(LABEL_SEPARATOR)) throw new RomModuleNameError(name);
}
