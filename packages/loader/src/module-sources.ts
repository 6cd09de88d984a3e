import { existsSync, readFileSync, type Stats, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ModuleSource } from '@endo/module-source';
import { ConfinementError, NotAComponent } from './errors.js';
import { findTopLevelAwait, mayAwaitAtTopLevel } from './top-level-await.js';

/** The type of module Node would load a `.js` file as: the nearest package.json's `"type"`. */
function isCommonJs(file: string): boolean {
  if (file.endsWith('.mjs')) return false;
  if (file.endsWith('.cjs')) return true;
  for (let at = dirname(file); ; at = dirname(at)) {
    const manifest = join(at, 'package.json');
    if (existsSync(manifest)) {
      try {
        return (JSON.parse(readFileSync(manifest, 'utf8')) as { type?: unknown }).type !== 'module';
      } catch {
        return true;
      }
    }
    if (dirname(at) === at) return true;
  }
}

/**
 * What the loader reads of a parsed module without evaluating it; the object itself is what compartments instantiate.
 */
export interface AnalysedModule {
  /** The specifiers it imports. */
  readonly imports: readonly string[];
  /** The names it exports itself. */
  readonly exports: readonly string[];
  /** The specifiers it re-exports everything from (`export * from`). */
  readonly reexports: readonly string[];
}

/**
 * Parsed module sources, by file URL: each file is read and transformed for compartments once, and
 * every compartment that imports it instantiates its own copy from the one analysis (two components
 * of one binary share code, never state). A changed file (size or mtime) is read again.
 */
export class ModuleSources {
  readonly #cache = new Map<string, { readonly stamp: string; readonly source: ModuleSource }>();

  /** The analysed source of the ES module at `url` (a `file:` URL). */
  get(url: string): AnalysedModule {
    const file = fileURLToPath(url);
    let stat: Stats;
    try {
      stat = statSync(file);
    } catch {
      throw new NotAComponent(`module ${file} does not exist`);
    }
    const stamp = `${stat.size}:${stat.mtimeMs}`;
    const cached = this.#cache.get(url);
    if (cached !== undefined && cached.stamp === stamp) return cached.source;
    if (isCommonJs(file)) {
      throw new NotAComponent(
        `module ${file} is CommonJS (a .cjs file, or a .js file whose package.json lacks "type": "module"): ` +
          `confined components load ES modules only`,
      );
    }
    const source = parse(readFileSync(file, 'utf8'), url, file);
    this.#cache.set(url, { stamp, source });
    return source;
  }

  /** The names the module at `url` exports, read without evaluating it. */
  exports(url: string): readonly string[] {
    return this.get(url).exports;
  }
}

/**
 * The module `text` transformed for compartments. A module that awaits at its top level is refused with its place:
 * the transform makes it a function that is not async, where V8 would report only `missing ) after argument list` or
 * the like. V8 rules that out for almost every module at a glance (`mayAwaitAtTopLevel`), so Babel parses the text
 * a second time, to find the place, only when it cannot.
 */
function parse(text: string, url: string, file: string): ModuleSource {
  let source: ModuleSource;
  try {
    source = new ModuleSource(text, url);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new NotAComponent(`module ${file} cannot be parsed as an ES module: ${message}`);
  }
  const awaiting =
    text.includes('await') && mayAwaitAtTopLevel(source.__syncModuleProgram__) ? findTopLevelAwait(text) : undefined;
  if (awaiting !== undefined) {
    throw new ConfinementError(
      `module ${file}:${awaiting.line}:${awaiting.column} uses top-level await, which a confined component cannot ` +
        'run (the SES module transform does not support it): move the await into construct() or an async ' +
        'function (a libc program can wrap its code in an async function and call it)',
    );
  }
  return source;
}
