// The reachability audit's walker: every object a confined component can reach from a set of roots,
// and for every function among them, the host file it was defined in (through the inspector), so a
// test can ask whether that file, or anything it imports, touches the host.

import { existsSync, readFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { createRequire, builtinModules } from 'node:module';
import { dirname, resolve } from 'node:path';

/** What the walk found from one set of roots. */
export interface Reach {
  /** Every object and function reached, with the first path that reached it. */
  readonly objects: Map<object, string>;
}

/** The intrinsics SES hardened at lockdown: shared by design, frozen, and not worth walking through. */
function isIntrinsic(value: object): boolean {
  return (
    value === Object.prototype ||
    value === Function.prototype ||
    value === Array.prototype ||
    value === Promise.prototype ||
    value === Error.prototype
  );
}

/**
 * Every object reachable from `roots` as a component reaches it: own property values, getters (called
 * on the object they were found for, as the component would), setters, prototypes. Private fields and
 * closures are not reachable, from here or from a component.
 */
export function walk(roots: Readonly<Record<string, unknown>>, limit = 200_000): Reach {
  const objects = new Map<object, string>();
  const queue: [unknown, string][] = Object.entries(roots).map(([name, value]) => [value, name]);
  while (queue.length > 0) {
    const [value, path] = queue.shift() as [unknown, string];
    if ((typeof value !== 'object' && typeof value !== 'function') || value === null) continue;
    if (objects.has(value) || isIntrinsic(value)) continue;
    objects.set(value, path);
    if (objects.size > limit) throw new Error(`the walk passed ${limit} objects at ${path}`);
    const prototype = Reflect.getPrototypeOf(value);
    if (prototype !== null) queue.push([prototype, `${path}.[[Prototype]]`]);
    for (const key of Reflect.ownKeys(value)) {
      const descriptor = Reflect.getOwnPropertyDescriptor(value, key);
      if (descriptor === undefined) continue;
      const name = `${path}.${String(key)}`;
      if ('value' in descriptor) queue.push([descriptor.value, name]);
      if (descriptor.get !== undefined) queue.push([descriptor.get, `${name}[get]`]);
      if (descriptor.set !== undefined) queue.push([descriptor.set, `${name}[set]`]);
    }
    // getters of the prototype chain, read on this object as a component reads them (env.thread, utcb, ...)
    for (let at = prototype; at !== null && !isIntrinsic(at); at = Reflect.getPrototypeOf(at)) {
      for (const key of Reflect.ownKeys(at)) {
        const descriptor = Reflect.getOwnPropertyDescriptor(at, key);
        if (descriptor?.get === undefined || key === '__proto__') continue;
        try {
          queue.push([Reflect.apply(descriptor.get, value, []), `${path}.${String(key)}`]);
        } catch {
          // a getter that refuses this receiver (a class's own accessor read on its prototype)
        }
      }
    }
  }
  return { objects };
}

/** Where functions were defined: script URLs by the inspector's script ids. */
export class FunctionLocator {
  readonly #session = new Session();
  readonly #scripts = new Map<string, string>();

  constructor() {
    this.#session.connect();
    this.#session.on('Debugger.scriptParsed', (event) => {
      this.#scripts.set(event.params.scriptId, event.params.url);
    });
    this.#post('Debugger.enable', {});
  }

  /** The URL of the script `fn` was defined in (`file:///...`), or undefined for a native or bound function. */
  locate(fn: object): string | undefined {
    const holder = globalThis as { __auditFunction?: object };
    holder.__auditFunction = fn;
    try {
      const evaluated = this.#post('Runtime.evaluate', { expression: 'globalThis.__auditFunction' }) as {
        result: { objectId?: string };
      };
      const objectId = evaluated.result.objectId;
      if (objectId === undefined) return undefined;
      const properties = this.#post('Runtime.getProperties', { objectId, ownProperties: true }) as {
        internalProperties?: { name: string; value?: { value?: { scriptId?: string } } }[];
      };
      this.#post('Runtime.releaseObject', { objectId });
      const location = properties.internalProperties?.find((property) => property.name === '[[FunctionLocation]]')
        ?.value?.value;
      return location?.scriptId === undefined ? undefined : this.#scripts.get(location.scriptId);
    } finally {
      delete holder.__auditFunction;
    }
  }

  /** Ends the inspector session. */
  close(): void {
    this.#post('Debugger.disable', {});
    this.#session.disconnect();
  }

  #post(method: string, params: object): unknown {
    let result: unknown;
    let failure: Error | null = null;
    let done = false;
    this.#session.post(method, params, (error, answer) => {
      failure = error;
      result = answer;
      done = true;
    });
    if (!done) throw new Error(`inspector ${method} did not answer synchronously`);
    if (failure !== null) throw failure;
    return result;
  }
}

/** Node built-ins that carry no authority over the host: pure computation on their arguments. */
const PURE_BUILTINS = new Set([
  'path',
  'url',
  'util',
  'buffer',
  'events',
  'string_decoder',
  'assert',
  'querystring',
  'punycode',
]);
const BUILTINS = new Set(builtinModules);

/** Host globals a module may not use: the process, timers, clocks, the network. */
const HOST_GLOBALS: readonly [RegExp, string][] = [
  [/(?<![.#\w$])process\s*\./, 'process'],
  [/(?<![.#\w$])(setTimeout|setInterval|setImmediate|clearTimeout|clearInterval|clearImmediate)\s*\(/, 'timers'],
  [/(?<![.#\w$])Date\.now\b/, 'Date.now'],
  [/\bnew Date\(\s*\)/, 'new Date()'],
  [/(?<![.#\w$])performance\s*\./, 'performance'],
  [/(?<![.#\w$])fetch\s*\(/, 'fetch'],
  [/(?<![.#\w$])require\s*\(/, 'require'],
];

const TOKENS = /\/\*[\s\S]*?\*\/|\/\/[^\n]*|`(?:\\[\s\S]|[^`\\])*`|'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"/g;

/**
 * The text of a module with comments blanked, and string contents too when `strings`, so words in them do not count.
 */
function code(text: string, strings: boolean): string {
  return text.replace(TOKENS, (match) => (match.startsWith('/') ? ' ' : strings ? `${match[0]}${match[0]}` : match));
}

const IMPORT = new RegExp(
  /(?:^|[;\n])\s*(?:import|export)\s[^;'"]*?from\s*['"]([^'"]+)['"]|/.source +
    /(?:^|[;\n])\s*import\s*['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/.source,
  'g',
);

/** Why a module file touches the host, following its static imports; memoised per file. */
export class HostAudit {
  readonly #verdicts = new Map<string, string | null>();

  /**
   * `null` when the module at `file` and everything it imports touch no host authority; else why not (the chain of
   * imports).
   */
  touchesHost(file: string): string | null {
    const known = this.#verdicts.get(file);
    if (known !== undefined) return known;
    this.#verdicts.set(file, null); // a cycle is judged by its other members
    const verdict = this.#judge(file);
    this.#verdicts.set(file, verdict);
    return verdict;
  }

  #judge(file: string): string | null {
    if (!existsSync(file)) return null;
    const text = code(readFileSync(file, 'utf8'), false);
    const stripped = code(text, true);
    for (const [pattern, what] of HOST_GLOBALS) if (pattern.test(stripped)) return `${file} uses ${what}`;
    const require = createRequire(file);
    for (const match of text.matchAll(IMPORT)) {
      const specifier = (match[1] ?? match[2] ?? match[3]) as string;
      const bare = specifier.startsWith('node:') ? specifier.slice(5) : specifier;
      if (specifier.startsWith('node:') || BUILTINS.has(bare.split('/')[0] as string)) {
        if (!PURE_BUILTINS.has(bare.split('/')[0] as string)) return `${file} imports ${specifier}`;
        continue;
      }
      const target = specifier.startsWith('.') ? resolve(dirname(file), specifier) : require.resolve(specifier);
      const inner = this.touchesHost(target);
      if (inner !== null) return `${file} imports ${specifier}: ${inner}`;
    }
    return null;
  }
}
