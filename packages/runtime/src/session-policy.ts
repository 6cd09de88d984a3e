import { ServiceDenied, type SessionLabel } from '@os/session';
import type { XmlNode } from './xml-node.js';

/** No `<policy>` matches a session's label and there is no `<default-policy>`: the server denies the session. */
export class NoPolicyDefined extends ServiceDenied {}

/** How well one `<policy>` matches a label (Genode's `Node_label_score`); `null` when it conflicts. */
interface Score {
  readonly label: boolean;
  /** Matched prefix length + 1, or 0 when there is no `label_prefix`. */
  readonly prefix: number;
  /** Matched suffix length + 1, or 0 when there is no `label_suffix`. */
  readonly suffix: number;
}

function score(policy: XmlNode, label: string): Score | null {
  const exact = policy.attribute('label');
  const prefix = policy.attribute('label_prefix');
  const suffix = policy.attribute('label_suffix');
  if (exact === undefined && prefix === undefined && suffix === undefined) return null;
  if (exact !== undefined && exact.trim() !== label) return null;
  if (prefix !== undefined && !label.startsWith(prefix.trim())) return null;
  if (suffix !== undefined && !label.endsWith(suffix.trim())) return null;
  return {
    label: exact !== undefined,
    prefix: prefix === undefined ? 0 : prefix.trim().length + 1,
    suffix: suffix === undefined ? 0 : suffix.trim().length + 1,
  };
}

/** Whether `a` beats `b`: an exact label first, then the longer prefix, then the longer suffix. */
function stronger(a: Score, b: Score | null): boolean {
  if (b === null) return true;
  // as Genode: once an exact label matched, no later policy is stronger
  if (b.label) return false;
  if (a.label) return true;
  if (a.prefix !== b.prefix) return a.prefix > b.prefix;
  return a.suffix > b.suffix;
}

/**
 * A server's side of routing (Genode's `Session_policy`): picks from the server's config the
 * `<policy>` that matches a session's label best (`label` exact beats `label_prefix`, a longer prefix
 * beats a shorter one, then `label_suffix` likewise), else the `<default-policy>`. A server reads the
 * client's rights from the node it gets, so clients can be given different ones.
 */
export class SessionPolicy {
  private constructor() {}

  /** The best-matching policy node for `label` in `config`, or `null` when none matches and there is no default. */
  static find(label: string | SessionLabel, config: XmlNode): XmlNode | null {
    const text = (typeof label === 'string' ? label : label.text).trim();
    let best: { node: XmlNode; score: Score } | null = null;
    for (const policy of config.subNodes('policy')) {
      const candidate = score(policy, text);
      if (candidate !== null && stronger(candidate, best?.score ?? null)) best = { node: policy, score: candidate };
    }
    if (best !== null) return best.node;
    return config.hasSubNode('default-policy') ? config.subNode('default-policy') : null;
  }

  /** The best-matching policy node for `label`; throws `NoPolicyDefined` (a `ServiceDenied`) when there is none. */
  static select(label: string | SessionLabel, config: XmlNode): XmlNode {
    const policy = SessionPolicy.find(label, config);
    if (policy === null) {
      const text = typeof label === 'string' ? label : label.text;
      throw new NoPolicyDefined(
        `no policy matches label "${text}" in ${config.origin} and there is no <default-policy>`,
      );
    }
    return policy;
  }
}
