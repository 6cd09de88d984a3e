import { SessionPolicy, XmlNode } from '@os/runtime';
import { ServiceDenied } from '@os/session';

/**
 * report_rom's `<config>`: `verbose`, and the `<policy>`/`<default-policy>` nodes that say which
 * report a ROM session shows. Checked when read, so a bad attribute is reported once, at the config,
 * not at every session.
 */
export class ReportRomConfig {
  /** Whether every incoming report is logged (`verbose="yes"`). */
  readonly verbose: boolean;
  /** The `<config>` node, whose `<policy>` nodes a ROM session's label is matched against. */
  readonly node: XmlNode;

  /** Reads `node` (a `<config>`); throws `XmlError` naming the line of a malformed `verbose`. */
  constructor(node: XmlNode) {
    this.node = node;
    this.verbose = node.booleanAttribute('verbose', false);
  }

  /** The config that denies every ROM session: what report_rom runs with until it has a valid one. */
  static empty(): ReportRomConfig {
    return new ReportRomConfig(XmlNode.parse('<config/>', 'report_rom (no valid config)'));
  }

  /**
   * The report (the label of its Report session) that a ROM session labelled `label` shows: the
   * `report` attribute of the policy that matches the label best (Genode's `Session_policy`). Throws
   * `NoPolicyDefined` when none matches, `ServiceDenied` when the policy names no report.
   */
  reportFor(label: string): string {
    return this.reportOf(SessionPolicy.select(label, this.node), label);
  }

  /** The report that `policy` (selected for ROM session `label`) names; `ServiceDenied` when it names none. */
  reportOf(policy: XmlNode, label: string): string {
    const report = policy.attribute('report');
    if (report === undefined || report.length === 0) {
      throw new ServiceDenied(
        `${policy.origin}:${policy.line}: the <${policy.type}> matching ROM session "${label}" names no report (add ` +
          `report="<label of the Report session>")`,
      );
    }
    return report;
  }
}
