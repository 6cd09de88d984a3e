// Fuzzing init's configuration readers: readInitConfig (Genode's XML) and parseInitConfigText (the
// "config" ROM: XML, or JSON of a typed value, padded with NULs). No input makes them throw anything
// but InitConfigError (code ERR_OS_INIT_CONFIG), and a valid configuration written as XML and as
// JSON reads back as the same model. A pure parser test (no kernel), though this directory runs as a
// system test per kernel. Deterministic: a fixed seed (OS_FUZZ_SEED overrides it, OS_FUZZ_SCALE
// multiplies the runs). Growth with input size: bench/parser-growth.mjs.
import {
  type InitConfig,
  type InitConfigValue,
  checkInitConfig,
  initConfig,
  parseInitConfigText,
  readInitConfig,
} from '@os/init';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const SEED = Number(process.env['OS_FUZZ_SEED'] ?? 20_251_124);
const SCALE = Number(process.env['OS_FUZZ_SCALE'] ?? 1);
const runs = (numRuns: number) => ({ seed: SEED, numRuns: Math.max(1, Math.round(numRuns * SCALE)) });

const INIT = 'ERR_OS_INIT_CONFIG';

/**
 * The config, or `INIT` when `read` threw an InitConfigError; anything else is rethrown (fast-check reports the input).
 */
function attempt(read: () => InitConfig): InitConfig | typeof INIT {
  try {
    const config = read();
    // whatever reads is whole: the checks the reader ran hold for the result
    checkInitConfig(config, 'again');
    return config;
  } catch (error) {
    if (!(error instanceof Error) || (error as { code?: unknown }).code !== INIT || error.name !== 'InitConfigError')
      throw error;
    expect(error.message.length).toBeGreaterThan(0);
    return INIT;
  }
}

/** The model without lines: the XML knows them, a typed value does not. */
function withoutLines(config: InitConfig): unknown {
  return JSON.parse(JSON.stringify(config, (key, value: unknown) => (key === 'line' ? undefined : value)));
}

// ------------------------------------------------------------------ a valid configuration

interface Rule {
  readonly service: string | null;
  readonly match:
    | readonly [kind: 'label' | 'label_prefix' | 'label_suffix' | 'label_last' | 'unscoped_label', value: string]
    | null;
  readonly targets: readonly (
    | { readonly kind: 'parent' | 'any-child'; readonly label?: string }
    | { readonly kind: 'child'; readonly name: string; readonly label?: string }
  )[];
}
interface Start {
  readonly name: string;
  readonly binary: string | null;
  readonly version: string | null;
  readonly ram: number | string | null;
  readonly caps: number | null;
  readonly provides: readonly string[];
  readonly routes: readonly Rule[] | null;
  readonly config: string | null;
  readonly exit: boolean | null;
  readonly heartbeat: number | null;
}
interface Spec {
  readonly version: string | null;
  readonly parentProvides: readonly string[];
  readonly defaultCaps: number | null;
  readonly defaultRam: number | string | null;
  readonly defaultRoute: readonly Rule[];
  readonly children: readonly Start[];
  readonly services: readonly {
    readonly name: string;
    readonly policies: readonly { readonly match: Rule['match']; readonly child: string }[];
  }[];
  readonly report: readonly [keyof typeof REPORT_FLAGS, boolean][] | null;
  readonly heartbeatMs: number | null;
  readonly preserve: { readonly ram: number | string; readonly caps: number } | null;
}

/** The report options: XML attribute -> typed field. */
const REPORT_FLAGS = {
  ids: 'ids',
  requested: 'requested',
  provided: 'provided',
  session_args: 'sessionArgs',
  child_ram: 'childRam',
  child_caps: 'childCaps',
  init_ram: 'initRam',
  init_caps: 'initCaps',
} as const;

const serviceName = fc.oneof(
  fc.constantFrom('LOG', 'ROM', 'Timer', 'Report', 'Rtc', 'Nic', 'toString', 'constructor', '__proto__'),
  fc.stringMatching(/^[A-Z][A-Za-z_]{0,6}$/),
);
const childName = fc.oneof(
  fc.constantFrom('timer', 'hello', 'report_rom', 'a.b-c', 'toString', 'constructor', '__proto__', 'hasOwnProperty'),
  fc.stringMatching(/^[A-Za-z0-9_.-]{1,8}$/),
);
/** Any text an attribute may hold: XML-escaped when written. */
const label = fc
  .string({
    unit: fc.constantFrom('a', 'b', ' -> ', '"', '<', '&', "'", '>', '/', 'ä', '😀', ' '),
    minLength: 1,
    maxLength: 8,
  })
  .filter((text) => text === text.trim());
const ram = fc.oneof(
  fc.integer({ min: 1, max: 2 ** 40 }),
  fc.tuple(fc.integer({ min: 1, max: 4096 }), fc.constantFrom('K', 'M', 'G')).map(([n, unit]) => `${n}${unit}`),
  fc.integer({ min: 1, max: 2 ** 24 }).map((n) => `0x${n.toString(16)}`),
);
const caps = fc.integer({ min: 1, max: 100_000 });
const match: fc.Arbitrary<Rule['match']> = fc.option(
  fc.tuple(
    fc.constantFrom(
      'label' as const,
      'label_prefix' as const,
      'label_suffix' as const,
      'label_last' as const,
      'unscoped_label' as const,
    ),
    label,
  ),
  { nil: null },
);

/** A configuration that init accepts: unique names, quota for every child, routes and policies only to what exists. */
const spec: fc.Arbitrary<Spec> = fc
  .record({
    names: fc.uniqueArray(childName, { minLength: 1, maxLength: 5 }),
    services: fc.uniqueArray(serviceName, { minLength: 1, maxLength: 5 }),
  })
  .chain(({ names, services }) => {
    const provider = fc.constantFrom(...names);
    const parentProvides = fc.subarray(services);
    const provides = fc.subarray(services);
    return fc
      .tuple(parentProvides, fc.array(provides, { minLength: names.length, maxLength: names.length }))
      .chain(([parent, provided]) => {
        const providersOf = (service: string) =>
          names.filter((_, index) => (provided[index] as readonly string[]).includes(service));
        // a rule for a service someone provides, to a target that provides it
        const rule: fc.Arbitrary<Rule> = fc.oneof(
          fc.record({
            service: fc.constant(null),
            match,
            targets: fc.array(
              fc.oneof(
                fc.record({ kind: fc.constantFrom('parent' as const, 'any-child' as const) }),
                provider.map((name) => ({ kind: 'child' as const, name })),
              ),
              { minLength: 1, maxLength: 3 },
            ),
          }),
          fc.constantFrom(...services).chain((service) => {
            const targets: fc.Arbitrary<Rule['targets'][number]>[] = [fc.constant({ kind: 'any-child' as const })];
            if (parent.includes(service))
              targets.push(
                fc
                  .option(label, { nil: undefined })
                  .map((rewrite) =>
                    rewrite === undefined ? { kind: 'parent' as const } : { kind: 'parent' as const, label: rewrite },
                  ),
              );
            const providers = providersOf(service);
            if (providers.length > 0)
              targets.push(
                fc
                  .tuple(fc.constantFrom(...providers), fc.option(label, { nil: undefined }))
                  .map(([name, rewrite]) =>
                    rewrite === undefined
                      ? { kind: 'child' as const, name }
                      : { kind: 'child' as const, name, label: rewrite },
                  ),
              );
            return fc.record({
              service: fc.constant(service),
              match,
              targets: fc.array(fc.oneof(...targets), { minLength: 1, maxLength: 3 }),
            });
          }),
        );
        const exported = services.filter((service) => providersOf(service).length > 0);
        return fc.record({
          version: fc.option(label, { nil: null }),
          parentProvides: fc.constant(parent),
          defaultCaps: fc.option(caps, { nil: null }),
          defaultRam: fc.option(ram, { nil: null }),
          defaultRoute: fc.array(rule, { maxLength: 3 }),
          children: fc.tuple(
            ...names.map((name, index) =>
              fc.record({
                name: fc.constant(name),
                binary: fc.option(childName, { nil: null }),
                version: fc.option(label, { nil: null }),
                ram: fc.option(ram, { nil: null }),
                caps: fc.option(caps, { nil: null }),
                provides: fc.constant(provided[index] as readonly string[]),
                routes: fc.option(fc.array(rule, { maxLength: 3 }), { nil: null }),
                config: fc.option(
                  fc.constantFrom(
                    '<config/>',
                    '<config ticks="5"/>',
                    '<config><vfs><dir name="dev"><log/></dir></vfs></config>',
                    '<config\n  a="&amp;"><!-- c --></config>',
                  ),
                  { nil: null },
                ),
                exit: fc.option(fc.boolean(), { nil: null }),
                heartbeat: fc.option(fc.nat({ max: 100 }), { nil: null }),
              }),
            ),
          ),
          services:
            exported.length === 0
              ? fc.constant([])
              : fc.uniqueArray(fc.constantFrom(...exported), { maxLength: 3 }).chain((chosen) =>
                  fc.tuple(
                    ...chosen.map((name) =>
                      fc.record({
                        name: fc.constant(name),
                        policies: fc.array(
                          fc.record({
                            match: match.map((m) => (m === null || m[0] === 'unscoped_label' ? null : m)),
                            child: fc.constantFrom(...providersOf(name)),
                          }),
                          { minLength: 1, maxLength: 3 },
                        ),
                      }),
                    ),
                  ),
                ),
          report: fc.option(
            fc
              .array(
                fc.tuple(
                  fc.constantFrom(...(Object.keys(REPORT_FLAGS) as (keyof typeof REPORT_FLAGS)[])),
                  fc.boolean(),
                ),
                { maxLength: 4 },
              )
              .map((flags) => [...new Map(flags)]),
            { nil: null },
          ),
          heartbeatMs: fc.option(fc.nat({ max: 10_000 }), { nil: null }),
          preserve: fc.option(fc.record({ ram, caps }), { nil: null }),
        });
      });
  })
  // every child needs quota: its own or the default
  .map((drafted) => ({
    ...drafted,
    children: drafted.children.map((child) => ({
      ...child,
      ram: child.ram ?? (drafted.defaultRam === null ? 1024 : null),
      caps: child.caps ?? (drafted.defaultCaps === null ? 1 : null),
    })),
  }));

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
}

function xmlRule(rule: Rule): string {
  const condition = rule.match === null ? '' : ` ${rule.match[0]}="${escapeXml(rule.match[1])}"`;
  const targets = rule.targets.map((target) => {
    const rewrite = target.label === undefined ? '' : ` label="${escapeXml(target.label)}"`;
    return target.kind === 'child' ? `<child name="${target.name}"${rewrite}/>` : `<${target.kind}${rewrite}/>`;
  });
  return rule.service === null
    ? `<any-service${condition}>${targets.join('')}</any-service>`
    : `<service name="${escapeXml(rule.service)}"${condition}>${targets.join('')}</service>`;
}

/** The configuration in Genode's XML. */
function toXml(config: Spec): string {
  const lines = [`<config${config.version === null ? '' : ` version="${escapeXml(config.version)}"`}>`];
  if (config.parentProvides.length > 0)
    lines.push(
      `  <parent-provides>${config.parentProvides.map((name) => `<service name="${escapeXml(name)}"/>`).join('')}</` +
        `parent-provides>`,
    );
  if (config.defaultCaps !== null || config.defaultRam !== null)
    lines.push(
      `  <default${config.defaultCaps === null ? '' : ` caps="${config.defaultCaps}"`}` +
        `${config.defaultRam === null ? '' : ` ram="${config.defaultRam}"`}/>`,
    );
  if (config.defaultRoute.length > 0)
    lines.push(`  <default-route>\n    ${config.defaultRoute.map(xmlRule).join('\n    ')}\n  </default-route>`);
  for (const child of config.children) {
    const attributes = [
      `name="${child.name}"`,
      child.ram === null ? '' : `ram="${child.ram}"`,
      child.caps === null ? '' : `caps="${child.caps}"`,
      child.version === null ? '' : `version="${escapeXml(child.version)}"`,
    ].filter((text) => text !== '');
    const body = [
      child.binary === null ? '' : `<binary name="${escapeXml(child.binary)}"/>`,
      child.provides.length === 0
        ? ''
        : `<provides>${child.provides.map((name) => `<service name="${escapeXml(name)}"/>`).join('')}</provides>`,
      child.routes === null ? '' : `<route>${child.routes.map(xmlRule).join('')}</route>`,
      child.config ?? '',
      child.exit === null ? '' : `<exit propagate="${child.exit ? 'yes' : 'no'}"/>`,
      child.heartbeat === null ? '' : `<heartbeat restart_after_skipped="${child.heartbeat}"/>`,
    ].filter((text) => text !== '');
    lines.push(`  <start ${attributes.join(' ')}>\n    ${body.join('\n    ')}\n  </start>`);
  }
  for (const service of config.services) {
    const policies = service.policies.map((policy) =>
      policy.match === null
        ? `<default-policy><child name="${policy.child}"/></default-policy>`
        : `<policy ${policy.match[0]}="${escapeXml(policy.match[1])}"><child name="${policy.child}"/></policy>`,
    );
    lines.push(`  <service name="${escapeXml(service.name)}">${policies.join('')}</service>`);
  }
  if (config.report !== null)
    lines.push(`  <report ${config.report.map(([name, on]) => `${name}="${on ? 'yes' : 'no'}"`).join(' ')}/>`);
  if (config.heartbeatMs !== null) lines.push(`  <heartbeat rate_ms="${config.heartbeatMs}"/>`);
  if (config.preserve !== null)
    lines.push(
      `  <resource name="RAM" preserve="${config.preserve.ram}"/>`,
      `  <resource name="CAP" preserve="${config.preserve.caps}"/>`,
    );
  lines.push('</config>');
  return lines.join('\n');
}

const TYPED_MATCH = {
  label: 'label',
  label_prefix: 'labelPrefix',
  label_suffix: 'labelSuffix',
  label_last: 'labelLast',
  unscoped_label: 'unscopedLabel',
} as const;

function typedRule(rule: Rule): Record<string, unknown> {
  return {
    service: rule.service ?? '*',
    ...(rule.match === null ? {} : { [TYPED_MATCH[rule.match[0]]]: rule.match[1] }),
    to: rule.targets.map((target) => {
      const rewrite = target.label === undefined ? {} : { label: target.label };
      if (target.kind === 'child') return { child: target.name, ...rewrite };
      if (target.label === undefined) return target.kind;
      return target.kind === 'parent' ? { parent: true, ...rewrite } : { anyChild: true, ...rewrite };
    }),
  };
}

/** The configuration as a typed value, as JSON carries it. */
function toTyped(config: Spec): InitConfigValue {
  const reportFlags =
    config.report === null
      ? undefined
      : Object.fromEntries(config.report.map(([name, on]) => [REPORT_FLAGS[name], on]));
  return JSON.parse(
    JSON.stringify({
      version: config.version ?? undefined,
      parentProvides: config.parentProvides,
      default:
        config.defaultCaps === null && config.defaultRam === null
          ? undefined
          : { caps: config.defaultCaps ?? undefined, ram: config.defaultRam ?? undefined },
      defaultRoute: config.defaultRoute.map(typedRule),
      children: config.children.map((child) => ({
        name: child.name,
        binary: child.binary ?? undefined,
        version: child.version ?? undefined,
        ram: child.ram ?? undefined,
        caps: child.caps ?? undefined,
        provides: child.provides,
        routes: child.routes === null ? undefined : child.routes.map(typedRule),
        config: child.config ?? undefined,
        exit: child.exit === null ? undefined : { propagate: child.exit },
        heartbeat: child.heartbeat === null ? undefined : { restartAfterSkipped: child.heartbeat },
      })),
      services: config.services.map((service) => ({
        name: service.name,
        policies: service.policies.map((policy) => ({
          ...(policy.match === null ? {} : { [TYPED_MATCH[policy.match[0]]]: policy.match[1] }),
          child: policy.child,
        })),
      })),
      report: reportFlags,
      heartbeat: config.heartbeatMs === null ? undefined : { rateMs: config.heartbeatMs },
      preserve: config.preserve ?? undefined,
    }),
  ) as InitConfigValue;
}

// ------------------------------------------------------------------ random, mostly wrong configurations

/** An init-like element tree: init's vocabulary with random and wrong attributes, values and nesting. */
const ELEMENTS = [
  'config',
  'parent-provides',
  'default-route',
  'default',
  'start',
  'service',
  'report',
  'heartbeat',
  'resource',
  'binary',
  'provides',
  'route',
  'exit',
  'any-service',
  'parent',
  'child',
  'any-child',
  'policy',
  'default-policy',
  'toString',
  'strat',
];
const ATTRIBUTES = [
  'name',
  'caps',
  'ram',
  'version',
  'priority',
  'ld',
  'label',
  'label_prefix',
  'label_suffix',
  'label_last',
  'unscoped_label',
  'propagate',
  'restart_after_skipped',
  'rate_ms',
  'preserve',
  'quantum',
  'ids',
  'delay_ms',
  'verbose',
  'prio_levels',
  'constructor',
  'valueOf',
  'cpas',
];
const attributeValue = fc.oneof(
  fc.constantFrom(
    '',
    '0',
    '1',
    '16M',
    '0x10',
    '1K',
    'yes',
    'no',
    'maybe',
    'RAM',
    'CAP',
    'LOG',
    'a',
    'b',
    'timer',
    'constructor',
    'toString',
    '__proto__',
    '-1',
    '99999999999999999999',
    '1Q',
    'a b',
    '&amp;',
  ),
  fc.string({ maxLength: 6 }).map(escapeXml),
);
interface Tree {
  readonly type: string;
  readonly attributes: readonly (readonly [string, string])[];
  readonly children: readonly Tree[];
}
const tree: fc.Arbitrary<Tree> = fc.letrec<{ tree: Tree }>((tie) => ({
  tree: fc.record({
    type: fc.constantFrom(...ELEMENTS),
    attributes: fc.uniqueArray(fc.tuple(fc.constantFrom(...ATTRIBUTES), attributeValue), {
      maxLength: 4,
      selector: ([name]) => name,
    }),
    children: fc.oneof(
      { maxDepth: 4, depthIdentifier: 'init' },
      fc.constant([]),
      fc.array(tie('tree'), { maxLength: 4, depthIdentifier: 'init' }),
    ),
  }),
})).tree;
function treeXml(node: Tree): string {
  const attributes = node.attributes.map(([name, value]) => ` ${name}="${value}"`).join('');
  return node.children.length === 0
    ? `<${node.type}${attributes}/>`
    : `<${node.type}${attributes}>\n${node.children.map(treeXml).join('\n')}\n</${node.type}>`;
}

// ------------------------------------------------------------------ the properties

describe('init config readers, fuzzed', () => {
  it('throw nothing but InitConfigError for arbitrary text', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 120 }),
          fc.string({ unit: 'grapheme-ascii', maxLength: 120 }).map((text) => `<${text}`),
        ),
        (text) => {
          attempt(() => readInitConfig(text, 'fuzz.xml'));
          attempt(() => parseInitConfigText(text, 'fuzz'));
        },
      ),
      runs(150),
    );
  });

  it('throw nothing but InitConfigError for init-like element trees', () => {
    fc.assert(
      fc.property(tree, fc.boolean(), (root, asConfig) => {
        const text = treeXml(asConfig ? { ...root, type: 'config' } : root);
        const config = attempt(() => readInitConfig(text, 'tree.xml'));
        if (config !== INIT) expect(attempt(() => parseInitConfigText(text))).toEqual(config);
      }),
      runs(600),
    );
  });

  it('read a valid configuration as XML and as JSON into the same model', () => {
    fc.assert(
      fc.property(spec, (config) => {
        const xml = readInitConfig(toXml(config), 'spec.xml');
        const typed = parseInitConfigText(JSON.stringify(toTyped(config)), 'spec.json');
        expect(withoutLines(xml)).toEqual(withoutLines(typed));
        expect(xml.children.map((child) => child.name)).toEqual(config.children.map((child) => child.name));
        expect(xml.children.map((child) => child.provides)).toEqual(config.children.map((child) => child.provides));
        expect(xml.children.every((child) => child.ram > 0 && child.caps > 0)).toBe(true);
        expect(xml.parentProvides).toEqual(config.parentProvides);
        expect(xml.services.map((service) => service.name)).toEqual(config.services.map((service) => service.name));
        expect(xml.children.map((child) => child.config)).toEqual(config.children.map((child) => child.config));
        // the XML knows where each part is
        const text = toXml(config);
        for (const child of xml.children)
          expect(text.split('\n')[child.line - 1]).toContain(`<start name="${child.name}"`);
        // the config ROM padded with NULs to its dataspace's size reads the same
        expect(withoutLines(parseInitConfigText(`${text}${'\0'.repeat(text.length % 97)}`))).toEqual(withoutLines(xml));
      }),
      runs(150),
    );
  });

  /** A change that breaks a valid configuration somewhere, as a hostile or careless parent might. */
  const breakage = fc.record({
    at: fc.nat(),
    cut: fc.nat({ max: 12 }),
    insert: fc.constantFrom(
      '',
      '<',
      '>',
      '"',
      '/>',
      '</start>',
      '<start name="x"/>',
      '<service name="Nope"><parent/></service>',
      ' ram="0"',
      ' caps="lots"',
      '\0',
      '<!x>',
      'constructor',
    ),
  });

  it('throw nothing but InitConfigError for a valid configuration with edits', () => {
    fc.assert(
      fc.property(spec, fc.array(breakage, { minLength: 1, maxLength: 3 }), (config, edits) => {
        const text = edits.reduce((current, { at, cut, insert }) => {
          const place = at % (current.length + 1);
          return current.slice(0, place) + insert + current.slice(place + cut);
        }, toXml(config));
        attempt(() => parseInitConfigText(text, 'broken.xml'));
      }),
      runs(300),
    );
  });

  it('throw nothing but InitConfigError for JSON of any shape', () => {
    const anyJson = fc.jsonValue({ maxDepth: 4 });
    // the typed value's fields, each given a random JSON value
    const fields = fc.dictionary(
      fc.constantFrom(
        'version',
        'parentProvides',
        'defaultRoute',
        'default',
        'children',
        'services',
        'report',
        'heartbeat',
        'preserve',
        '__proto__',
        'constructor',
      ),
      anyJson,
      { maxKeys: 5 },
    );
    const child = fc.dictionary(
      fc.constantFrom(
        'name',
        'binary',
        'version',
        'ram',
        'caps',
        'provides',
        'routes',
        'config',
        'exit',
        'heartbeat',
        '__proto__',
      ),
      fc.oneof(
        anyJson,
        fc.constantFrom(
          'a',
          '1M',
          1,
          -1,
          1.5,
          Number.POSITIVE_INFINITY,
          '<config/>',
          '<start/>',
          '<config',
          [{ service: '*', to: 'parent' }],
          [{ service: 'X', to: { child: 'a' } }],
        ),
      ),
      { maxKeys: 6 },
    );
    fc.assert(
      fc.property(
        fc.oneof(
          anyJson,
          fields,
          fc.tuple(fields, fc.array(child, { maxLength: 3 })).map(([top, children]) => ({ ...top, children })),
        ),
        (value) => {
          attempt(() => parseInitConfigText(JSON.stringify(value) ?? 'null', 'any.json'));
          attempt(() => initConfig(value));
        },
      ),
      runs(600),
    );
  });

  it('refuses values nested deeper than JSON.stringify can print, as an InitConfigError', () => {
    const deep = `{"children":[],"default":{"caps":${'['.repeat(20_000)}${']'.repeat(20_000)}}}`;
    expect(() => parseInitConfigText(deep)).toThrow(
      expect.objectContaining({
        code: INIT,
        message: 'init config: default.caps: must be a non-negative integer or a size such as "16M", got a list',
      }),
    );
    expect(() => initConfig({ children: [{ name: 'a', caps: 1, ram: 2n ** 70n }] })).toThrow(
      expect.objectContaining({ code: INIT, message: expect.stringMatching(/got a bigint$/) }),
    );
  });

  it('strips the NUL padding of a ROM in one pass, and refuses NULs inside the text', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 3000 }),
        fc.nat({ max: 3000 }),
        fc.constantFrom('', ' ', '\n', 'x', '<', '{'),
        (before, after, tail) => {
          const text = `${'\0'.repeat(before)}${tail}${'\0'.repeat(after)}`;
          expect(attempt(() => parseInitConfigText(text))).toBe(INIT);
        },
      ),
      runs(60),
    );
    // a run of NULs that does not reach the end: the regular expression that stripped the padding took
    // quadratic time over it (13 s for 100 000 NULs); the test's time limit catches a return of it
    const run = '\0'.repeat(300_000);
    expect(() => parseInitConfigText(`${run}x`)).toThrow(expect.objectContaining({ code: INIT }));
    expect(() => parseInitConfigText(`<config/>${run} `)).toThrow(expect.objectContaining({ code: INIT }));
    expect(parseInitConfigText(`<config/>${run}`).children).toEqual([]);
  });

  it('keeps <exit propagate> and report flags to the words Genode knows, whatever Object holds', () => {
    for (const word of ['constructor', 'toString', '__proto__', 'valueOf']) {
      expect(
        attempt(() =>
          readInitConfig(`<config><start name="a" caps="1" ram="1"><exit propagate="${word}"/></start></config>`),
        ),
      ).toBe(INIT);
      expect(attempt(() => readInitConfig(`<config><report ids="${word}"/></config>`))).toBe(INIT);
    }
  });
});
