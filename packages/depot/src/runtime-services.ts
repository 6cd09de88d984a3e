/**
 * How a `runtime` file's service nodes (Genode's names, as `depot_deploy` reads them) map to this framework's service
 * names, in both directions: `<timer/>` in `<requires>` is a Timer session, `<log/>` a LOG session. Genode's `<nic/>`
 * (a packet-level Nic session) maps to `Net`, this framework's network service (TCP connect and listen), the session a
 * component asks for to reach the network; `<fs/>` and its older name `<file_system/>` map to `File_system`. The first
 * node name listed for a service is the one `os depot publish` writes. Any other service is written in Genode's
 * generic form, `<service name="..."/>`, which parsing accepts for every service.
 */
export const RUNTIME_SERVICES: ReadonlyMap<string, string> = new Map([
  ['timer', 'Timer'],
  ['log', 'LOG'],
  ['rom', 'ROM'],
  ['report', 'Report'],
  ['rtc', 'Rtc'],
  ['nic', 'Net'],
  ['fs', 'File_system'],
  ['file_system', 'File_system'],
  ['pd', 'PD'],
]);

/** The runtime node name of `service` (`Timer` gives `timer`), or undefined when it has none (then `<service>`). */
export function runtimeNodeOf(service: string): string | undefined {
  for (const [node, name] of RUNTIME_SERVICES) if (name === service) return node;
  return undefined;
}
