import { XmlNode } from '@os/runtime';
import { romText } from './xml-text.js';

/** One child of the runtime init, as its state report shows it. */
export interface RuntimeChild {
  /** Its binary: the depot path of its bin archive. */
  readonly binary: string;
  /** init's id for it: counts up with every start, so a restart shows as a new id. */
  readonly id: number;
  /** One of its session requests waits for a server. */
  readonly incomplete: boolean;
  /** Its exit value, once it exited; else null. */
  readonly exited: number | null;
}

/** The runtime init's state report, read: which config version it applied and its children by name. */
export interface RuntimeState {
  /** The `version` of the config the report belongs to ('' when the config had none). */
  readonly version: string;
  /** Its children by name. */
  readonly children: ReadonlyMap<string, RuntimeChild>;
}

/**
 * Reads the runtime init's state report (`<state version> <child name binary id state exited/> ... </state>`, see
 * `@os/init`). An empty or malformed ROM reads as a state with no version and no child.
 */
export function readRuntimeState(text: string): RuntimeState {
  const children = new Map<string, RuntimeChild>();
  const content = romText(text).trim();
  if (content === '') return { version: '', children };
  let root: XmlNode;
  try {
    root = XmlNode.parse(content, 'ROM "runtime_state"');
  } catch {
    return { version: '', children };
  }
  if (root.type !== 'state') return { version: '', children };
  for (const child of root.subNodes('child')) {
    const name = child.attribute('name');
    if (name === undefined) continue;
    const exited = child.attribute('exited');
    children.set(name, {
      binary: child.stringAttribute('binary', ''),
      id: Number(child.attribute('id') ?? 0) || 0,
      incomplete: child.attribute('state') === 'incomplete',
      exited: exited === undefined || !/^-?\d+$/.test(exited) ? null : Number(exited),
    });
  }
  return { version: root.stringAttribute('version', ''), children };
}
