import { nodeNetError } from './node-errors.js';

function refusal(host: unknown): Error {
  const error = nodeNetError(
    new Error('names resolve in the net server: connect by name, and its policy decides'),
    'getaddrinfo',
    String(host),
  );
  (error as { code: string }).code = 'ENOTSUP';
  return error;
}

/**
 * `node:dns` for a program: there is no resolver in the component (the net server resolves the names a program
 * connects to, and its policy compares them as written), so `lookup` fails with `ENOTSUP`, in callback and promise
 * form.
 */
export function nodeDns(nextTick: (callback: () => void) => void) {
  const lookup = (host: unknown, ...rest: unknown[]): void => {
    const callback = rest.find((arg) => typeof arg === 'function') as ((error: Error) => void) | undefined;
    if (callback === undefined) throw new TypeError('dns.lookup: the callback must be a function');
    nextTick(() => callback(refusal(host)));
  };
  return { lookup, promises: { lookup: (host: unknown): Promise<never> => Promise.reject(refusal(host)) } };
}
