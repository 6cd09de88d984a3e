// The parts of @endo/module-source the loader uses. Its own typings are TypeScript sources that
// need Babel's type packages; these declarations stand in for them.
/** A module's text parsed and analysed once, instantiable by any number of compartments. */
export class ModuleSource {
  /** Parses `source`, an ES module found at `location`. */
  constructor(source: string, location?: string);
  /** The specifiers it imports. */
  readonly imports: string[];
  /** The names it exports itself. */
  readonly exports: string[];
  /** The specifiers it re-exports everything from (`export * from`). */
  readonly reexports: string[];
  /** The program SES runs for it in a compartment: a functor called with the module's imports and exports. */
  readonly __syncModuleProgram__: string;
}
