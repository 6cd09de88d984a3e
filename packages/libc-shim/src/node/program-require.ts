/**
 * `require` of a program under the shim: the CommonJS values of the Node built-ins it offers, by name, with or without
 * `node:`. Bundlers call it for the built-ins a bundled CommonJS package requires (esbuild's `__require` in an ES
 * module bundle), when the package first needs them. It loads no file and no package: anything else fails with
 * `MODULE_NOT_FOUND`, naming what is offered.
 */
export function programRequire(values: ReadonlyMap<string, unknown>): (name: unknown) => unknown {
  return function require(name: unknown): unknown {
    const text = String(name);
    const bare = text.startsWith('node:') ? text.slice(5) : text;
    if (values.has(bare)) return values.get(bare);
    const error = new Error(
      `Cannot find module '${text}': require() under the libc shim gives only the Node built-ins it offers ` +
        `(${[...values.keys()].join(', ')}); bundle the program's own modules and packages into it`,
    ) as Error & { code: string };
    error.code = 'MODULE_NOT_FOUND';
    throw error;
  };
}
