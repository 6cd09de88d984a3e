/**
 * How a `runtime` file's service nodes (Genode's names, as `depot_deploy` reads them) map to this framework's service
 * names, in both directions: `<timer/>` in `<requires>` is a Timer session, `<log/>` a LOG session, and so on. The
 * first node name listed for a service is the one `os depot publish` writes. A service without a node name here is
 * written in Genode's generic form, `<service name="Tcp"/>`, which parsing accepts for any service.
 */
export const RUNTIME_SERVICES: ReadonlyMap<string, string> = new Map([
  ['timer', 'Timer'],
  ['log', 'LOG'],
  ['rom', 'ROM'],
  ['report', 'Report'],
  ['rtc', 'Rtc'],
  ['nic', 'Nic'],
  ['uplink', 'Uplink'],
  ['fs', 'File_system'],
  ['file_system', 'File_system'],
  ['terminal', 'Terminal'],
  ['block', 'Block'],
  ['gui', 'Gui'],
  ['event', 'Event'],
  ['capture', 'Capture'],
  ['platform', 'Platform'],
  ['usb', 'Usb'],
  ['pd', 'PD'],
  ['cpu', 'CPU'],
  ['trace', 'TRACE'],
]);

/** The runtime node name of `service` (`Timer` gives `timer`), or undefined when it has none (then `<service>`). */
export function runtimeNodeOf(service: string): string | undefined {
  for (const [node, name] of RUNTIME_SERVICES) if (name === service) return node;
  return undefined;
}
