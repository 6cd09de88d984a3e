/** What joins the parts of a label: each parent puts its child's name in front. */
export const LABEL_SEPARATOR = ' -> ';

/**
 * A session label, after Genode's `Session_label`: the chain of names from the client up to the
 * component that sees the request. `init -> hello` is what a service in core sees of a session `hello`
 * inside init asked for.
 */
export class SessionLabel {
  /** The label as one string. */
  readonly text: string;

  /** Wraps a label string. */
  constructor(text: string) {
    this.text = text;
  }

  /** `prefix -> label`, or `prefix` alone when the label is empty: what a parent forwards for its child `prefix`. */
  static prefixed(prefix: string, label: string): SessionLabel {
    if (prefix.length === 0) return new SessionLabel(label);
    return new SessionLabel(label.length === 0 ? prefix : `${prefix}${LABEL_SEPARATOR}${label}`);
  }

  /** The part after the last separator: the name the requester gave the session. */
  last(): string {
    const at = this.text.lastIndexOf(LABEL_SEPARATOR);
    return at < 0 ? this.text : this.text.slice(at + LABEL_SEPARATOR.length);
  }

  /** Everything before the last separator, or `""`. */
  prefix(): string {
    const at = this.text.lastIndexOf(LABEL_SEPARATOR);
    return at < 0 ? '' : this.text.slice(0, at);
  }

  /** The label with the first `prefix` element removed, if it starts with it: what a route matches. */
  withoutPrefix(prefix: string): SessionLabel {
    if (this.text === prefix) return new SessionLabel('');
    const head = `${prefix}${LABEL_SEPARATOR}`;
    return this.text.startsWith(head) ? new SessionLabel(this.text.slice(head.length)) : this;
  }

  /** The parts, requester last. */
  parts(): string[] {
    return this.text.length === 0 ? [] : this.text.split(LABEL_SEPARATOR);
  }

  /** The label string. */
  toString(): string {
    return this.text;
  }
}
