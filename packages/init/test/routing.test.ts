import { type InitConfig, readInitConfig, resolveRoute } from '@os/init';
import { describe, expect, it } from 'vitest';

const config: InitConfig = readInitConfig(`<config>
  <parent-provides><service name="LOG"/><service name="ROM"/><service name="Timer"/></parent-provides>
  <default-route>
    <service name="ROM" label="special"><child name="fs"/></service>
    <service name="ROM" label_prefix="fonts/"><child name="fs" label="fonts"/></service>
    <service name="ROM" label_suffix=".png"><parent label="images"/></service>
    <service name="ROM" label_last="last"><child name="fs"/></service>
    <service name="ROM" unscoped_label="app -> exact"><child name="fs"/></service>
    <service name="File_system"><child name="absent"/></service>
    <service name="Report"><any-child/></service>
    <any-service><child name="fs"/></any-service>
    <any-service><parent/></any-service>
  </default-route>
  <start name="fs" ram="1M" caps="10"><provides><service name="ROM"/><service name="Gui"/></provides></start>
  <start name="absent" ram="1M" caps="10"><provides><service name="File_system"/></provides></start>
  <start name="r1" ram="1M" caps="10"><provides><service name="Report"/></provides></start>
  <start name="r2" ram="1M" caps="10"><provides><service name="Report"/></provides></start>
  <start name="app" ram="1M" caps="10"/>
  <start name="own" ram="1M" caps="10"><route><service name="LOG"><parent label="own-log"/></service></route></start>
</config>`);

const child = (name: string) => config.children.find((entry) => entry.name === name) ?? expect.fail(name);
const running = new Set(['fs', 'r1', 'r2', 'app', 'own']);
const providers = {
  providers: (service: string) =>
    config.children
      .filter((entry) => running.has(entry.name) && entry.provides.includes(service))
      .map((entry) => entry.name),
};
const route = (from: string, service: string, label: string) =>
  resolveRoute(config, child(from), service, label, providers);

describe('routing as Genode init does it', () => {
  it('matches label, label_prefix, label_suffix and label_last without the child name, unscoped_label with it', () => {
    expect(route('app', 'ROM', 'app -> special')).toEqual({ kind: 'child', name: 'fs', label: 'app -> special' });
    expect(route('app', 'ROM', 'app -> fonts/mono')).toEqual({ kind: 'child', name: 'fs', label: 'fonts' });
    expect(route('app', 'ROM', 'app -> logo.png')).toEqual({ kind: 'parent', label: 'images' });
    expect(route('app', 'ROM', 'app -> dir -> last')).toEqual({
      kind: 'child',
      name: 'fs',
      label: 'app -> dir -> last',
    });
    expect(route('app', 'ROM', 'app -> exact')).toEqual({ kind: 'child', name: 'fs', label: 'app -> exact' });
  });

  it('a scoped label condition never matches the child name itself', () => {
    // "special" with the child name left on does not match label="special"; the request falls to <any-service><child
    // name="fs"/>
    expect(route('app', 'ROM', 'special')).toEqual({ kind: 'child', name: 'fs', label: 'special' });
  });

  it('a <service> rule whose targets all refuse denies the session: no fall-through', () => {
    expect(route('app', 'File_system', 'app')).toEqual({
      kind: 'denied',
      reason: 'no target of the route for "File_system" (line 9) accepts the session (label="app")',
    });
  });

  it('an <any-service> rule whose targets refuse lets the search go on', () => {
    // fs does not provide LOG, so the first <any-service> refuses and the second routes to the parent
    expect(route('app', 'LOG', 'app')).toEqual({ kind: 'parent', label: 'app' });
    expect(route('app', 'Gui', 'app')).toEqual({ kind: 'child', name: 'fs', label: 'app' });
  });

  it('<any-child/> with two providers is an ambiguity, not a choice', () => {
    expect(route('app', 'Report', 'app')).toEqual({
      kind: 'denied',
      reason: 'ambiguous routes to service "Report": provided by "r1" and "r2"',
    });
  });

  it("a child's own <route> replaces the default route; no matching rule gives Genode's warning", () => {
    expect(route('own', 'LOG', 'own')).toEqual({ kind: 'parent', label: 'own-log' });
    expect(route('own', 'ROM', 'own -> special')).toEqual({
      kind: 'denied',
      reason: 'own: no route to service "ROM" (label="own -> special")',
    });
  });

  it('a <parent/> target refuses a service missing from <parent-provides>', () => {
    expect(route('app', 'Nic', 'app')).toEqual({
      kind: 'denied',
      reason: 'app: no route to service "Nic" (label="app")',
    });
  });
});
