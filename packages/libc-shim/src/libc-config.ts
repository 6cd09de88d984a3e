import { XmlError, type XmlNode } from '@os/runtime';

/** A `<libc>` config is malformed: names the line and the attribute. */
export class LibcConfigError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = 'LibcConfigError';
  }
}

/** What a libc program's `<config>` says, as Genode's libc reads it. */
export interface LibcConfig {
  /** VFS path console.log/info/debug write to (`stdout="/dev/log"`); none: discarded, as in Genode. */
  readonly stdout: string | undefined;
  /** VFS path console.error/warn write to; none: discarded. */
  readonly stderr: string | undefined;
  /** VFS path of the RTC file whose time `Date` starts from; none: `Date` starts at the epoch. */
  readonly rtc: string | undefined;
  /** The working directory relative paths start from. Default `/`. */
  readonly cwd: string;
  /** The `<arg value>`s in order: C's argv (argv[0] is the program's name). */
  readonly args: readonly string[];
  /** The `<env key value>`s. */
  readonly env: Readonly<Record<string, string>>;
  /** The `<vfs>` node, if there is one. */
  readonly vfs: XmlNode | undefined;
}

const LIBC_ATTRIBUTES = ['stdout', 'stderr', 'stdin', 'rtc', 'cwd', 'socket', 'pipe', 'rng'];

function path(node: XmlNode, name: string): string | undefined {
  const value = node.attribute(name);
  if (value === undefined) return undefined;
  if (!value.startsWith('/'))
    throw new LibcConfigError(
      node.error(`<libc ${name}="${value}">: expected an absolute VFS path such as "/dev/log"`).message,
    );
  return value;
}

/**
 * Reads a libc program's config: `<libc stdout stderr rtc cwd>`, `<vfs>`, `<arg value>`, `<env key value>`.
 * Unknown `<libc>` attributes are refused by name; Genode's other libc attributes (`stdin`, `socket`,
 * `pipe`, `rng`) are accepted and have no effect here.
 */
export function readLibcConfig(config: XmlNode): LibcConfig {
  try {
    const libc = config.subNodes('libc')[0];
    if (libc !== undefined) {
      for (const name of libc.attributeNames()) {
        if (!LIBC_ATTRIBUTES.includes(name))
          throw new LibcConfigError(
            libc.error(`<libc>: unknown attribute "${name}" (known: ${LIBC_ATTRIBUTES.join(', ')})`).message,
          );
      }
    }
    const args = config.subNodes('arg').map((arg) => {
      const value = arg.attribute('value');
      if (value === undefined)
        throw new LibcConfigError(arg.error('<arg> needs a value attribute: <arg value="--verbose"/>').message);
      return value;
    });
    const env: Record<string, string> = {};
    for (const entry of config.subNodes('env')) {
      const key = entry.attribute('key');
      const value = entry.attribute('value');
      if (key === undefined || value === undefined)
        throw new LibcConfigError(
          entry.error('<env> needs key and value attributes: <env key="HOME" value="/"/>').message,
        );
      // an own data property whatever the key: `env[key] =` would set the prototype for `__proto__`
      Object.defineProperty(env, key, { value, enumerable: true, writable: true, configurable: true });
    }
    return {
      stdout: libc === undefined ? undefined : path(libc, 'stdout'),
      stderr: libc === undefined ? undefined : path(libc, 'stderr'),
      rtc: libc === undefined ? undefined : path(libc, 'rtc'),
      cwd: (libc === undefined ? undefined : path(libc, 'cwd')) ?? '/',
      args,
      env,
      vfs: config.subNodes('vfs')[0],
    };
  } catch (error) {
    if (error instanceof XmlError) throw new LibcConfigError(error.message);
    throw error;
  }
}
