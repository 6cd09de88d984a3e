import { formatWithOptions as hostFormat, inspect as hostInspect } from 'node:util';

// customInspect off: a program's own inspect hook would otherwise be handed the host's `inspect`
const SAFE = { customInspect: false, colors: false } as const;

/** Copies the options a program passes, keeping only plain values (never its hooks). */
function safeOptions(options: unknown): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...SAFE };
  if (typeof options !== 'object' || options === null) return copy;
  for (const name of ['depth', 'compact', 'breakLength', 'sorted', 'showHidden', 'maxArrayLength', 'maxStringLength']) {
    const value = (options as Record<string, unknown>)[name];
    if (typeof value === 'number' || typeof value === 'boolean') copy[name] = value;
  }
  return copy;
}

/**
 * The part of `node:util` the shim offers: `format`, `formatWithOptions` and `inspect` (as Node formats, without
 * calling the program's inspect hooks), `inherits`, `deprecate`, `promisify`, `debuglog` (always off). Every
 * function is the program's own, made per call.
 */
export function nodeUtil(warn: (text: string) => void) {
  const inspect = (value: unknown, options?: unknown): string => hostInspect(value, safeOptions(options));
  inspect.custom = Symbol.for('nodejs.util.inspect.custom');
  const promisifyCustom = Symbol.for('nodejs.util.promisify.custom');
  const promisify = (original: unknown): ((...args: unknown[]) => Promise<unknown>) => {
    if (typeof original !== 'function') throw new TypeError('The "original" argument must be of type function');
    const custom = (original as unknown as Record<symbol, unknown>)[promisifyCustom];
    if (typeof custom === 'function') return custom as (...args: unknown[]) => Promise<unknown>;
    return function promisified(this: unknown, ...args: unknown[]): Promise<unknown> {
      return new Promise((resolve, reject) => {
        Reflect.apply(original, this, [
          ...args,
          (error: unknown, ...values: unknown[]) => (error ? reject(error) : resolve(values[0])),
        ]);
      });
    };
  };
  promisify.custom = promisifyCustom;
  return {
    format: (...args: unknown[]): string => hostFormat(SAFE, ...args),
    formatWithOptions: (options: unknown, ...args: unknown[]): string => hostFormat(safeOptions(options), ...args),
    inspect,
    promisify,
    inherits(subclass: unknown, superclass: unknown): void {
      if (typeof subclass !== 'function' || typeof superclass !== 'function')
        throw new TypeError('util.inherits: both arguments must be functions');
      Object.defineProperty(subclass, 'super_', { value: superclass, writable: true, configurable: true });
      Object.setPrototypeOf(subclass.prototype, superclass.prototype);
    },
    deprecate<T extends (...args: never[]) => unknown>(fn: T, message: string): T {
      let warned = false;
      return function deprecated(this: unknown, ...args: Parameters<T>): ReturnType<T> {
        if (!warned) {
          warned = true;
          warn(`DeprecationWarning: ${message}`);
        }
        return Reflect.apply(fn, this, args) as ReturnType<T>;
      } as T;
    },
    debuglog: (_section: string) => Object.assign((..._args: unknown[]): void => undefined, { enabled: false }),
  };
}
