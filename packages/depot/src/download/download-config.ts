import { type XmlNode, XmlError } from '@os/runtime';
import { DepotTrust } from '../depot-trust.js';
import { DepotError } from '../errors.js';
import { DEFAULT_EXTRACT_LIMITS, type ExtractLimits } from '../extract-limits.js';
import type { BackoffPolicy } from './backoff.js';
import { DownloadConfigError } from './download-errors.js';

/** What the download component works with, read from its `<config>`. */
export interface DownloadConfig {
  /** The depot's base URL: `http://127.0.0.1:8080/`, always ending in `/`. */
  readonly url: URL;
  /** The trusted public key of each user whose archives are accepted. */
  readonly trust: DepotTrust;
  /** The most bytes one response (an archive or a signature) may carry. */
  readonly maxArchiveBytes: number;
  /** Bounds on extracting each archive. */
  readonly limits: ExtractLimits;
  /** Spacing of the retries while the depot is unreachable. */
  readonly backoff: BackoffPolicy;
  /** How long a connect, or a response that stalls, may take before the attempt counts as failed, in milliseconds. */
  readonly timeoutMs: number;
  /** The local depot's folder in the File_system session. */
  readonly depot: string;
  /** The quarantine folder in the File_system session: downloads wait there until verified. */
  readonly quarantine: string;
  /** Log each archive's state change. */
  readonly verbose: boolean;
  /** How many pkgs are fetched, verified and extracted at once (each in a quarantine folder of its own). */
  readonly concurrency: number;
}

/** The defaults of {@link DownloadConfig}'s numbers. */
export const DOWNLOAD_DEFAULTS = {
  maxArchiveBytes: 16 * 1024 * 1024,
  retryInitialMs: 500,
  retryMaxMs: 60_000,
  timeoutMs: 30_000,
  // the pkgs' Net and File_system calls go from the component's one thread, taking turns (@os/rpc): the pkgs overlap
  // in waiting for the depot server, not in their calls
  concurrency: 4,
} as const;

/** The most pkgs a download works on at once: each holds a Net socket and its archives in memory. */
export const MAX_DOWNLOAD_CONCURRENCY = 16;

const CONFIG_ATTRIBUTES = new Set([
  'url',
  'max_archive_bytes',
  'max_extract_bytes',
  'max_entries',
  'retry_initial_ms',
  'retry_max_ms',
  'timeout_ms',
  'depot',
  'quarantine',
  'verbose',
  'concurrency',
]);

/** `-----BEGIN PUBLIC KEY-----` PEM from a PEM written with any white space, or from base64 SPKI alone. */
function publicKeyPem(text: string): string {
  const body = text
    .replace(/-----BEGIN PUBLIC KEY-----/, '')
    .replace(/-----END PUBLIC KEY-----/, '')
    .replace(/\s+/g, '');
  const lines = body.match(/.{1,64}/g) ?? [];
  return `-----BEGIN PUBLIC KEY-----\n${lines.join('\n')}\n-----END PUBLIC KEY-----\n`;
}

/** A folder path of the File_system session: absolute, plain names, no trailing slash. */
function folder(node: XmlNode, name: string, fallback: string): string {
  const value = node.stringAttribute(name, fallback);
  const parts = value.split('/').filter((part) => part !== '');
  if (!value.startsWith('/') || parts.length === 0 || parts.some((part) => part === '.' || part === '..'))
    throw new DownloadConfigError(
      `${node.origin}:${node.line}: ${name}="${value}" is no folder of the File_system session; write an absolute ` +
        `path of plain names such as ${name}="${fallback}"`,
    );
  return `/${parts.join('/')}`;
}

function positive(node: XmlNode, name: string, fallback: number): number {
  const value = node.numberAttribute(name, fallback);
  if (!(value > 0))
    throw new DownloadConfigError(`${node.origin}:${node.line}: ${name}="${value}" must be greater than 0`);
  return value;
}

function concurrency(node: XmlNode): number {
  const value = node.numberAttribute('concurrency', DOWNLOAD_DEFAULTS.concurrency);
  if (!Number.isInteger(value) || value < 1 || value > MAX_DOWNLOAD_CONCURRENCY)
    throw new DownloadConfigError(
      `${node.origin}:${node.line}: concurrency="${value}" must be a whole number from 1 to ` +
        `${MAX_DOWNLOAD_CONCURRENCY} (pkgs fetched at once)`,
    );
  return value;
}

function depotUrl(node: XmlNode): URL {
  const text = node.attribute('url');
  const where = `${node.origin}:${node.line}`;
  if (text === undefined)
    throw new DownloadConfigError(`${where}: <config> names no depot; add url="http://host:port/"`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new DownloadConfigError(`${where}: url="${text}" is no URL; write url="http://host:port/"`);
  }
  if (url.protocol !== 'http:')
    throw new DownloadConfigError(
      `${where}: url="${text}" is ${url.protocol}, but the download speaks http: only; write url="http://host:port/"`,
    );
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '')
    throw new DownloadConfigError(`${where}: url="${text}" has credentials, a query or a fragment; leave them out`);
  if (!url.pathname.endsWith('/')) url.pathname = `${url.pathname}/`;
  return url;
}

function trust(node: XmlNode): DepotTrust {
  const keys = new Map<string, string>();
  for (const entry of node.subNodes('trust')) {
    const where = `${node.origin}:${entry.line}: <trust>`;
    const user = entry.attribute('user');
    const pubkey = entry.attribute('pubkey');
    if (user === undefined || pubkey === undefined)
      throw new DownloadConfigError(`${where} needs user="name" and pubkey="<base64 SPKI or PEM>"`);
    if (keys.has(user)) throw new DownloadConfigError(`${where} trusts "${user}" a second time; keep one key a user`);
    const pem = publicKeyPem(pubkey);
    try {
      DepotTrust.fromPem([[user, pem]]);
    } catch (error) {
      if (error instanceof DepotError) throw new DownloadConfigError(`${where}: ${error.message}`, user);
      throw error;
    }
    keys.set(user, pem);
  }
  return DepotTrust.fromPem(keys);
}

/**
 * Reads the download component's `<config>`: the depot's `url`, the `<trust user pubkey/>` keys, the bounds, the retry
 * policy and the folders. Throws {@link DownloadConfigError} naming the line and the fix; an unknown attribute or node
 * is an error too, so that a typo does not pass.
 */
export function parseDownloadConfig(node: XmlNode): DownloadConfig {
  const where = `${node.origin}:${node.line}`;
  try {
    for (const name of node.attributeNames())
      if (!CONFIG_ATTRIBUTES.has(name))
        throw new DownloadConfigError(
          `${where}: <config> has unknown attribute ${name}; known: ${[...CONFIG_ATTRIBUTES].join(', ')}`,
        );
    for (const sub of node.subNodes())
      if (sub.type !== 'trust')
        throw new DownloadConfigError(
          `${node.origin}:${sub.line}: <config> has unknown node <${sub.type}>; write <trust user pubkey/>`,
        );
    const retryInitialMs = positive(node, 'retry_initial_ms', DOWNLOAD_DEFAULTS.retryInitialMs);
    const retryMaxMs = positive(node, 'retry_max_ms', DOWNLOAD_DEFAULTS.retryMaxMs);
    if (retryMaxMs < retryInitialMs)
      throw new DownloadConfigError(
        `${where}: retry_max_ms="${retryMaxMs}" is less than retry_initial_ms="${retryInitialMs}"`,
      );
    const depot = folder(node, 'depot', '/depot');
    const quarantine = folder(node, 'quarantine', '/quarantine');
    if (`${quarantine}/`.startsWith(`${depot}/`) || `${depot}/`.startsWith(`${quarantine}/`))
      throw new DownloadConfigError(
        `${where}: depot="${depot}" and quarantine="${quarantine}" overlap; give them folders side by side`,
      );
    return {
      url: depotUrl(node),
      trust: trust(node),
      maxArchiveBytes: positive(node, 'max_archive_bytes', DOWNLOAD_DEFAULTS.maxArchiveBytes),
      limits: {
        maxBytes: positive(node, 'max_extract_bytes', DEFAULT_EXTRACT_LIMITS.maxBytes),
        maxEntries: positive(node, 'max_entries', DEFAULT_EXTRACT_LIMITS.maxEntries),
      },
      backoff: { initialMs: retryInitialMs, maxMs: retryMaxMs },
      timeoutMs: positive(node, 'timeout_ms', DOWNLOAD_DEFAULTS.timeoutMs),
      depot,
      quarantine,
      verbose: node.booleanAttribute('verbose', false),
      concurrency: concurrency(node),
    };
  } catch (error) {
    if (error instanceof XmlError) throw new DownloadConfigError(error.message);
    throw error;
  }
}
