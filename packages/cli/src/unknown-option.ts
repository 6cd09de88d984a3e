import { suggest } from '@os/runtime';

/** cac's camel-cased form of a flag's name (`virtul-time` -> `virtulTime`). */
function camelCase(name: string): string {
  return name.replace(/-([a-z])/g, (_match, letter: string) => letter.toUpperCase());
}

/** The long flags a list of cac options declares, as a user types them (`--virtual-time`). */
export function declaredFlags(options: readonly { readonly rawName: string }[]): string[] {
  return options.flatMap((option) => option.rawName.match(/--[\w-]+/g) ?? []);
}

/**
 * What to tell a user about the option cac reports as unknown (`Unknown option \`--virtulTime\``): the
 * flag as they typed it (found in `argv`), and the declared flag closest to it, if one is close.
 */
export function unknownOptionMessage(
  message: string,
  argv: readonly string[],
  declared: readonly string[],
): string | undefined {
  const reported = /^Unknown option `(-{1,2})([^`]+)`$/.exec(message);
  if (reported === null) return undefined;
  const typed =
    argv.find(
      (token) => token.startsWith('-') && camelCase(token.split('=')[0]?.replace(/^-+/, '') ?? '') === reported[2],
    ) ?? `${reported[1]}${reported[2]}`;
  const flag = typed.split('=')[0] ?? typed;
  const closest = suggest(flag, declared);
  return (
    `unknown option ${flag}${closest === undefined ? '' : `; did you mean ${closest}?`} (os --help lists the ` +
    `options)`
  );
}
