import { UnsafeEntry } from './errors.js';

/** Characters no entry name may hold: control characters (NUL included) and the backslash, a separator elsewhere. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this refuses
const FORBIDDEN = /[\u0000-\u001f\u007f\\]/;

/**
 * The path of tar entry `name` inside the archive's own folder `root` (Genode's archives hold one folder named after
 * the version): `2023-01-01/dist/main.js` gives `dist/main.js`, the folder itself gives `''`. Throws `UnsafeEntry`
 * for an absolute name, a `..`, an empty or `.` part, a control character or backslash, or a name outside `root/`.
 */
export function entryPath(name: string, root: string, archive: string): string {
  const refuse = (why: string): never => {
    throw new UnsafeEntry(`${archive}: entry "${name}" ${why}; nothing of the archive is extracted`, archive, name);
  };
  if (name === '') refuse('has an empty name');
  if (FORBIDDEN.test(name)) refuse('has a control character or a backslash in its name');
  if (name.startsWith('/')) refuse('is an absolute path');
  const parts = name.split('/');
  if (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  if (parts.includes('..')) refuse('climbs out of its folder with ".."');
  if (parts.some((part) => part === '' || part === '.')) refuse('has an empty or "." part');
  if (parts[0] !== root) refuse(`lies outside the archive's folder "${root}/"`);
  return parts.slice(1).join('/');
}
