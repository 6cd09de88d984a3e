import { XmlError, type XmlNode } from '@os/runtime';
import { LibcConfigError } from '../libc-config.js';

/** How the program's Net session is sized: from `<net sockets listeners buffer_size/>` in its config. */
export interface NetConfig {
  /** Sockets open at once (accepted ones included) the session's donation pays for. Default 4. */
  readonly sockets: number;
  /** Listening servers at once. Default 1. */
  readonly listeners: number;
  /** Bytes of each socket's receive ring and of its transmit ring. Default 16 KiB. */
  readonly bufferSize: number;
}

/** The sizes of a program without a `<net>` node. */
export const DEFAULT_NET_CONFIG: NetConfig = { sockets: 4, listeners: 1, bufferSize: 16 * 1024 };

const LIMITS = { sockets: [1, 256], listeners: [0, 16], buffer_size: [256, 1024 * 1024] } as const;

function bounded(node: XmlNode, name: keyof typeof LIMITS, fallback: number): number {
  const [min, max] = LIMITS[name];
  const value = node.numberAttribute(name, fallback);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new LibcConfigError(node.error(`<net ${name}="${node.attribute(name)}">: expected ${min} to ${max}`).message);
  return value;
}

/** Reads the `<net>` node of a libc program's config (absent: the defaults). */
export function readNetConfig(config: XmlNode): NetConfig {
  const node = config.subNodes('net')[0];
  if (node === undefined) return DEFAULT_NET_CONFIG;
  try {
    for (const name of node.attributeNames())
      if (!Object.hasOwn(LIMITS, name))
        throw new LibcConfigError(
          node.error(`<net>: unknown attribute "${name}" (known: sockets, listeners, buffer_size)`).message,
        );
    return {
      sockets: bounded(node, 'sockets', DEFAULT_NET_CONFIG.sockets),
      listeners: bounded(node, 'listeners', DEFAULT_NET_CONFIG.listeners),
      bufferSize: bounded(node, 'buffer_size', DEFAULT_NET_CONFIG.bufferSize),
    };
  } catch (error) {
    if (error instanceof XmlError) throw new LibcConfigError(error.message);
    throw error;
  }
}
