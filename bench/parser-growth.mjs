// How the parsers of untrusted input grow with their input: each adversarial shape is parsed at size n
// and 10n (median of several warm runs), so linear work shows a ratio near 10 and quadratic work one
// near 100. Not a timed test: `node bench/parser-growth.mjs` prints the ratios; `parserGrowthCases()`
// returns `parse.<parser>.<shape>.<n>` -> ns for a bench runner.
//
// Every case also checks its outcome once before it is timed: the parse either succeeds or throws the
// parser's own typed error (by `code`), as the case expects; anything else fails the bench.
import { pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Message } from '@os/kernel';
import { initConfigFromNode, parseInitConfigText, readInitConfig } from '@os/init';
import { MessageReader, MessageWriter, codec, defineInterface, method, RpcException, ReplyStatus } from '@os/rpc';
import { XmlNode } from '@os/runtime';
import { SESSION_ARGS_MAX, SessionArgs, SessionLabel } from '@os/session';
// not a dependency of the workspace root, so not resolvable by name from bench/
import { parseVfsConfig } from '../packages/libc-shim/dist/index.js';
import { median } from './measure.mjs';

const XML = 'ERR_OS_XML';
const INIT = 'ERR_OS_INIT_CONFIG';
const ARGS = 'ERR_OS_SESSION_ARGS';
const DECODE = 'ERR_OS_RPC_DECODE';
const VFS = 'ERR_OS_VFS_CONFIG';

/** Timed samples per size; the median is reported. */
const SAMPLES = 9;
/** A sample repeats the parse until it took this long, so short parses are not timer noise. */
const SAMPLE_MS = 4;
/**
 * Untimed parses before the samples, so the JIT has settled: at least this long and this many (a parse takes tens of
 * runs to reach its optimised code).
 */
const WARMUP_MS = 150;
const WARMUP_CALLS = 25;
/** ...but no more than this long. */
const WARMUP_MAX_MS = 1500;
/** A single parse slower than this is timed once, not warmed up and sampled. */
const SLOW_NS = 300e6;

// A full collection before each size's samples, so one size does not pay for the garbage of another.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc');

const now = () => process.hrtime.bigint();

/**
 * A function running `parse(input)` that ignores what it throws: the outcome was checked before timing, and a refusal
 * is what some shapes time.
 */
function runner(parse, input) {
  return () => {
    try {
      parse(input);
    } catch {
      // checked before
    }
  };
}

/**
 * Runs `run` until the JIT has settled: at least {@link WARMUP_CALLS} times and {@link WARMUP_MS}, at most {@link
 * WARMUP_MAX_MS}.
 */
function warm(run) {
  const start = now();
  const end = start + BigInt(WARMUP_MS * 1e6);
  const limit = start + BigInt(WARMUP_MAX_MS * 1e6);
  for (let calls = 0; calls < WARMUP_CALLS || now() < end; calls++) {
    run();
    if (now() > limit) break;
  }
}

/** How many runs of `run` take at least {@link SAMPLE_MS}. */
function batchFor(run) {
  let batch = 1;
  for (;;) {
    const start = now();
    for (let i = 0; i < batch; i++) run();
    const ms = Number(now() - start) / 1e6;
    if (ms >= SAMPLE_MS || batch >= 1 << 20) return batch;
    batch = ms * 10 < SAMPLE_MS ? batch * 10 : batch * 2;
  }
}

/** ns of one run of `run`, averaged over `batch` runs. */
function sample(run, batch) {
  const start = now();
  for (let i = 0; i < batch; i++) run();
  return Number(now() - start) / batch;
}

/**
 * Median ns of one parse of each input, warm. The samples of the two sizes alternate, so a change of
 * load on the machine (a parallel build, a collection) shifts both alike and leaves their ratio.
 */
function timeSizes(parse, inputs) {
  const runs = inputs.map((input) => runner(parse, input));
  // a parse that takes long is its own measurement: repeating it would only make the bench hang
  const once = runs.map((run) => {
    const start = now();
    run();
    return Number(now() - start);
  });
  if (once.some((ns) => ns > SLOW_NS)) return once;
  for (const run of runs) warm(run);
  const batches = runs.map(batchFor);
  gc();
  const samples = runs.map(() => []);
  for (let s = 0; s < SAMPLES; s++)
    runs.forEach((run, i) => {
      samples[i].push(sample(run, batches[i]));
    });
  return samples.map(median);
}

/** `'ok'`, or the code of what `parse(input)` threw; an error without a code is returned as itself. */
function outcome(parse, input) {
  try {
    parse(input);
    return 'ok';
  } catch (error) {
    if (typeof error === 'object' && error !== null && typeof error.code === 'string') return error.code;
    return error;
  }
}

// ------------------------------------------------------------------ inputs

const repeat = (count, make) => Array.from({ length: count }, (_, i) => make(i)).join('');

/** A config of `n` start entries, each routing its LOG to the parent. */
function manyStarts(n) {
  const starts = repeat(
    n,
    (i) => `\n  <start name="c${i}" caps="10" ram="1M"><route><service name="LOG"><parent/></service></route></start>`,
  );
  return `<config>\n  <parent-provides><service name="LOG"/></parent-provides>${starts}\n</config>`;
}

/** `n` services the parent provides and a default route of `n` rules to it: each rule is checked against the list. */
function parentRoutes(n) {
  const provides = repeat(n, (i) => `<service name="S${i}"/>`);
  const rules = repeat(n, (i) => `\n <service name="S${i}"><parent/></service>`);
  return `<config><parent-provides>${provides}</parent-provides><default-route>${rules}\n</default-route></config>`;
}

/**
 * One server providing `n` services and a client routing each to it: each rule is checked against the server's list.
 */
function childRoutes(n) {
  const provides = repeat(n, (i) => `<service name="S${i}"/>`);
  const rules = repeat(n, (i) => `\n <service name="S${i}"><child name="server"/></service>`);
  return `<config><start name="server" caps="1" ram="1"><provides>${provides}</provides></start>
<start name="client" caps="1" ram="1"><route>${rules}\n</route></start></config>`;
}

/** One server providing `n` services, each exported with a policy naming it. */
function exportedServices(n) {
  const provides = repeat(n, (i) => `<service name="S${i}"/>`);
  const services = repeat(
    n,
    (i) => `\n<service name="S${i}"><default-policy><child name="server"/></default-policy></service>`,
  );
  return `<config><start name="server" caps="1" ram="1"><provides>${provides}</provides></start>${services}\n</config>`;
}

/** Nested `<dir>`s `depth` deep, a file at the bottom. */
function vfsDeep(depth) {
  return `<vfs>${repeat(depth, (i) => `<dir name="d${i}">`)}<rom name="f"/>${'</dir>'.repeat(depth)}</vfs>`;
}

/** Where messages are written before they are copied into one of their own size: larger than any case's. */
const scratch = new Message(1 << 22);

/** A message holding exactly what `write(writer)` writes. */
function message(write) {
  const writer = new MessageWriter();
  writer.reset(scratch, 'bench');
  write(writer);
  writer.finish();
  const target = new Message(Math.max(scratch.length, 1));
  target.setPayload(scratch.bytes.subarray(0, scratch.length));
  return target;
}

/** A decode of `valueCodec` over the whole message; trailing bytes are an error, as the entrypoint has it. */
function decoder(valueCodec) {
  const reader = new MessageReader();
  return (target) => {
    reader.reset(target, 0, 'bench');
    const value = valueCodec.decode(reader);
    if (reader.remaining !== 0) reader.fail(`${reader.remaining} bytes after the value`);
    return value;
  };
}

/** The value codec's bytes for arrays nested `depth` deep, `width` integers in the innermost. */
function nestedValue(depth, width) {
  return message((writer) => {
    for (let d = 0; d < depth; d++) {
      writer.u8(9);
      writer.u32(1);
    }
    writer.u8(9);
    writer.u32(width);
    for (let i = 0; i < width; i++) {
      writer.u8(4);
      writer.i32(i);
    }
  });
}

const Thrower = defineInterface('GrowthBench', {
  call: method([], codec.u32, { throws: [class Refused extends RpcException {}] }),
});
const entry = Thrower.entries[0];

// ------------------------------------------------------------------ the cases

/**
 * Each case: `parser`, `shape`, sizes `n` (timed at n and 10n), `make(size)` building the input (not
 * timed), `parse(input)`, and `expect`: `'ok'` or the typed error code the parse must end in.
 */
function cases() {
  const xml = (text) => XmlNode.parse(text, 'bench');
  const init = (text) => readInitConfig(text, 'bench');
  const initText = (text) => parseInitConfigText(text, 'bench');
  const vfs = (text) => parseVfsConfig(XmlNode.parse(text, 'bench'));
  const args = (text) => SessionArgs.parse(text);
  return [
    // XmlNode.parse (the one-pass reader, building the node tree)
    {
      parser: 'xml',
      shape: 'deep-nesting',
      n: 9,
      make: (d) => `${'<a>'.repeat(d)}${'</a>'.repeat(d)}`,
      parse: xml,
      expect: 'ok',
    },
    {
      parser: 'xml',
      shape: 'deep-nesting-refused',
      n: 2000,
      make: (d) => `${'<a>'.repeat(d)}${'</a>'.repeat(d)}`,
      parse: xml,
      expect: XML,
    },
    {
      parser: 'xml',
      shape: 'many-siblings',
      n: 1000,
      make: (n) => `<config>${repeat(n, (i) => `<start name="c${i}" ram="1M"/>`)}</config>`,
      parse: xml,
      expect: 'ok',
    },
    {
      parser: 'xml',
      shape: 'many-lines',
      n: 1000,
      make: (n) => `<config>\n${repeat(n, (i) => `  <start name="c${i}"/>\n`)}</config>`,
      parse: xml,
      expect: 'ok',
    },
    {
      parser: 'xml',
      shape: 'crlf-lines',
      n: 1000,
      make: (n) => `<config>\r\n${repeat(n, (i) => `<s n="${i}"/>\r\n`)}</config>`,
      parse: xml,
      expect: 'ok',
    },
    {
      parser: 'xml',
      shape: 'many-attributes',
      n: 300,
      make: (n) => `<a ${repeat(n, (i) => `x${i}="${i}" `)}/>`,
      parse: xml,
      expect: 'ok',
    },
    {
      parser: 'xml',
      shape: 'repeated-attribute',
      n: 300,
      make: (n) => `<a ${repeat(n, (i) => `x${i}="${i}" `)}x0="again"/>`,
      parse: xml,
      expect: XML,
    },
    {
      parser: 'xml',
      shape: 'long-attribute-value',
      n: 10_000,
      make: (n) => `<a label="${'x'.repeat(n)}"/>`,
      parse: xml,
      expect: 'ok',
    },
    {
      parser: 'xml',
      shape: 'attribute-entities',
      n: 2000,
      make: (n) => `<a label="${'&quot;&amp;'.repeat(n)}"/>`,
      parse: xml,
      expect: 'ok',
    },
    {
      parser: 'xml',
      shape: 'attribute-other-quotes',
      n: 10_000,
      make: (n) => `<a x="${"'".repeat(n)}" y='${'"'.repeat(n)}'/>`,
      parse: xml,
      expect: 'ok',
    },
    {
      parser: 'xml',
      shape: 'tag-whitespace',
      n: 10_000,
      make: (n) => `<a${' \t\n'.repeat(n)}x="1"${' '.repeat(n)}/>`,
      parse: xml,
      expect: 'ok',
    },
    {
      parser: 'xml',
      shape: 'text-entities',
      n: 2000,
      make: (n) => `<a>${'x &lt;&#65;&#x42; '.repeat(n)}</a>`,
      parse: xml,
      expect: 'ok',
    },
    {
      parser: 'xml',
      shape: 'text-between-children',
      n: 1000,
      make: (n) => `<a>${'text <b/>'.repeat(n)}</a>`,
      parse: xml,
      expect: 'ok',
    },
    {
      parser: 'xml',
      shape: 'comments',
      n: 1000,
      make: (n) => `<a>${'<!-- a comment -->'.repeat(n)}</a>`,
      parse: xml,
      expect: 'ok',
    },
    {
      parser: 'xml',
      shape: 'unclosed-comment',
      n: 10_000,
      make: (n) => `<a><!--${' x'.repeat(n)}`,
      parse: xml,
      expect: XML,
    },
    {
      parser: 'xml',
      shape: 'cdata',
      n: 10_000,
      make: (n) => `<a><![CDATA[${'<b>'.repeat(n)}]]></a>`,
      parse: xml,
      expect: 'ok',
    },
    {
      parser: 'xml',
      shape: 'doctype-entities',
      n: 90,
      make: (n) =>
        `<!DOCTYPE a ` +
        `[${repeat(n, (i) => `<!ENTITY e${i} "v${i}">`)}]><a>${repeat(n, (i) => `<b x="&e${i};">&e${i};</b>`)}</a>`,
      parse: xml,
      expect: 'ok',
    },
    {
      parser: 'xml',
      shape: 'comments-after-root',
      n: 1000,
      make: (n) => `<a/>${'\n<!-- c --><?pi x?>'.repeat(n)}`,
      parse: xml,
      expect: 'ok',
    },
    {
      parser: 'xml',
      shape: 'text-after-root',
      n: 10_000,
      make: (n) => `<a/>${' '.repeat(n)}x`,
      parse: xml,
      expect: XML,
    },
    {
      parser: 'xml',
      shape: 'stray-declaration',
      n: 1000,
      make: (n) => `<a>${'<b x="<!x>"/><!-- <!x> -->'.repeat(n)}<!x></a>`,
      parse: xml,
      expect: XML,
    },
    { parser: 'xml', shape: 'unclosed-tags', n: 1000, make: (n) => '<a>'.repeat(n), parse: xml, expect: XML },
    {
      parser: 'xml',
      shape: 'mismatched-close',
      n: 1000,
      make: (n) => `<a>${'<b></b>'.repeat(n)}</c>`,
      parse: xml,
      expect: XML,
    },

    // init's configuration
    { parser: 'init', shape: 'many-starts', n: 200, make: manyStarts, parse: init, expect: 'ok' },
    { parser: 'init', shape: 'parent-routes', n: 200, make: parentRoutes, parse: init, expect: 'ok' },
    { parser: 'init', shape: 'child-routes', n: 200, make: childRoutes, parse: init, expect: 'ok' },
    { parser: 'init', shape: 'exported-services', n: 200, make: exportedServices, parse: init, expect: 'ok' },
    {
      parser: 'init',
      shape: 'route-to-missing-child',
      n: 200,
      make: (n) => manyStarts(n).replace('<parent/>', '<child name="nobody"/>'),
      parse: init,
      expect: INIT,
    },
    // init's own work on a parsed node (the XML parse, linear as above, would hide it): every route and policy looks a
    // service up
    {
      parser: 'init-model',
      shape: 'parent-routes',
      n: 1000,
      make: (n) => XmlNode.parse(parentRoutes(n)),
      parse: initConfigFromNode,
      expect: 'ok',
    },
    {
      parser: 'init-model',
      shape: 'child-routes',
      n: 1000,
      make: (n) => XmlNode.parse(childRoutes(n)),
      parse: initConfigFromNode,
      expect: 'ok',
    },
    {
      parser: 'init-model',
      shape: 'exported-services',
      n: 1000,
      make: (n) => XmlNode.parse(exportedServices(n)),
      parse: initConfigFromNode,
      expect: 'ok',
    },
    {
      parser: 'init',
      shape: 'many-unknown-attributes',
      n: 300,
      make: (n) => `<config ${repeat(n, (i) => `x${i}="1" `)}/>`,
      parse: init,
      expect: INIT,
    },
    {
      parser: 'init-text',
      shape: 'trailing-nul-padding',
      n: 10_000,
      make: (n) => `${manyStarts(4)}${'\0'.repeat(n)}`,
      parse: initText,
      expect: 'ok',
    },
    {
      parser: 'init-text',
      shape: 'nul-run-inside',
      n: 10_000,
      make: (n) => `${'\0'.repeat(n)}x`,
      parse: initText,
      expect: INIT,
    },
    {
      parser: 'init-text',
      shape: 'json-many-children',
      n: 200,
      make: (n) =>
        JSON.stringify({ children: Array.from({ length: n }, (_, i) => ({ name: `c${i}`, ram: '1M', caps: 10 })) }),
      parse: initText,
      expect: 'ok',
    },
    {
      parser: 'init-text',
      shape: 'json-deep-value',
      n: 1000,
      make: (d) => `{"children":[],"default":{"caps":${'['.repeat(d)}${']'.repeat(d)}}}`,
      parse: initText,
      expect: INIT,
    },

    // session arguments: at most 160 characters, so the valid shapes grow from 16 to 160
    {
      parser: 'session-args',
      shape: 'many-args',
      n: 16,
      make: (n) => `${repeat(n / 4, (i) => `${String.fromCharCode(97 + (i % 26))}=${i % 10},`).slice(0, n - 1)} `,
      parse: args,
      expect: 'ok',
    },
    {
      parser: 'session-args',
      shape: 'quoted-escapes',
      n: 16,
      make: (n) => `l="${'\\"\\\\'.repeat((n - 4) / 4)}"`,
      parse: args,
      expect: 'ok',
    },
    {
      parser: 'session-args',
      shape: 'long-bare-value',
      n: 16,
      make: (n) => `ram_quota=${'9'.repeat(n - 10)}`,
      parse: args,
      expect: 'ok',
    },
    {
      parser: 'session-args',
      shape: 'unterminated-string',
      n: 16,
      make: (n) => `l="${'\\x'.repeat((n - 3) / 2)}`,
      parse: args,
      expect: ARGS,
    },
    {
      parser: 'session-args',
      shape: 'too-long',
      n: SESSION_ARGS_MAX * 10,
      make: (n) => `label="${'x'.repeat(n)}"`,
      parse: args,
      expect: ARGS,
    },
    {
      parser: 'session-args',
      shape: 'number-suffix',
      n: 16,
      make: (n) => `ram_quota=${'0'.repeat(n - 12)}1M`,
      parse: (text) => SessionArgs.parse(text).number('ram_quota'),
      expect: 'ok',
    },
    {
      parser: 'session-label',
      shape: 'parts',
      n: 16,
      make: (n) => new SessionLabel(Array.from({ length: n / 4 }, (_, i) => `p${i}`).join(' -> ')),
      parse: (label) => [label.parts(), label.last(), label.prefix()],
      expect: 'ok',
    },

    // RPC codecs, decoding from a message
    {
      parser: 'rpc',
      shape: 'array-u32',
      n: 10_000,
      make: (n) =>
        message((w) =>
          codec.array(codec.u32).encode(
            w,
            Array.from({ length: n }, (_, i) => i),
          ),
        ),
      parse: decoder(codec.array(codec.u32)),
      expect: 'ok',
    },
    {
      parser: 'rpc',
      shape: 'array-string',
      n: 2000,
      make: (n) =>
        message((w) =>
          codec.array(codec.string).encode(
            w,
            Array.from({ length: n }, (_, i) => `s${i}`),
          ),
        ),
      parse: decoder(codec.array(codec.string)),
      expect: 'ok',
    },
    {
      parser: 'rpc',
      shape: 'array-count-lie',
      n: 10_000,
      make: (n) =>
        message((w) => {
          w.u32(0xffff_ffff);
          for (let i = 0; i < n; i++) w.u8(1);
        }),
      parse: decoder(codec.array(codec.u8)),
      expect: DECODE,
    },
    {
      parser: 'rpc',
      shape: 'string-ascii',
      n: 10_000,
      make: (n) => message((w) => w.string('x'.repeat(n))),
      parse: decoder(codec.string),
      expect: 'ok',
    },
    {
      parser: 'rpc',
      shape: 'string-multibyte',
      n: 10_000,
      make: (n) => message((w) => w.string('ä€'.repeat(n / 2))),
      parse: decoder(codec.string),
      expect: 'ok',
    },
    {
      parser: 'rpc',
      shape: 'string-invalid-utf8',
      n: 10_000,
      make: (n) => message((w) => w.bytes(new Uint8Array(n).fill(0x41).fill(0xff, n - 1))),
      parse: decoder(codec.string),
      expect: DECODE,
    },
    {
      parser: 'rpc',
      shape: 'bytes',
      n: 10_000,
      make: (n) => message((w) => w.bytes(new Uint8Array(n).fill(7))),
      parse: decoder(codec.bytes),
      expect: 'ok',
    },
    {
      parser: 'rpc',
      shape: 'bigint',
      n: 1000,
      make: (n) =>
        message((w) => {
          w.u8(1);
          w.bytes(new Uint8Array(n).fill(0xab));
        }),
      parse: decoder(codec.bigint),
      expect: 'ok',
    },
    {
      parser: 'rpc',
      shape: 'record',
      n: 1000,
      make: (n) =>
        message((w) =>
          codec.array(codec.record({ a: codec.u32, b: codec.optional(codec.string), c: codec.oneOf('x', 'y') })).encode(
            w,
            Array.from({ length: n }, (_, i) => ({ a: i, b: 'b', c: 'y' })),
          ),
        ),
      parse: decoder(
        codec.array(codec.record({ a: codec.u32, b: codec.optional(codec.string), c: codec.oneOf('x', 'y') })),
      ),
      expect: 'ok',
    },
    {
      parser: 'rpc',
      shape: 'value-array',
      n: 2000,
      make: (n) =>
        message((w) =>
          codec.value.encode(
            w,
            Array.from({ length: n }, (_, i) => i),
          ),
        ),
      parse: decoder(codec.value),
      expect: 'ok',
    },
    {
      parser: 'rpc',
      shape: 'value-record-keys',
      n: 2000,
      make: (n) =>
        message((w) => codec.value.encode(w, Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i])))),
      parse: decoder(codec.value),
      expect: 'ok',
    },
    {
      parser: 'rpc',
      shape: 'value-proto-keys',
      n: 2000,
      make: (n) =>
        message((w) => {
          w.u8(10);
          w.u32(n);
          for (let i = 0; i < n; i++) {
            w.string(i === 0 ? '__proto__' : i === 1 ? 'constructor' : `k${i}`);
            w.u8(1);
          }
        }),
      parse: decoder(codec.value),
      expect: 'ok',
    },
    {
      parser: 'rpc',
      shape: 'value-long-keys',
      n: 100,
      make: (n) =>
        message((w) =>
          codec.value.encode(w, Object.fromEntries(Array.from({ length: n }, (_, i) => [`${i}`.padEnd(100, 'k'), i]))),
        ),
      parse: decoder(codec.value),
      expect: 'ok',
    },
    {
      parser: 'rpc',
      shape: 'value-duplicate-key',
      n: 2000,
      make: (n) =>
        message((w) => {
          w.u8(10);
          w.u32(n + 1);
          for (let i = 0; i < n; i++) {
            w.string(`k${i}`);
            w.u8(1);
          }
          w.string('k0');
          w.u8(1);
        }),
      parse: decoder(codec.value),
      expect: DECODE,
    },
    {
      parser: 'rpc',
      shape: 'value-string',
      n: 10_000,
      make: (n) => message((w) => codec.value.encode(w, 'x'.repeat(n))),
      parse: decoder(codec.value),
      expect: 'ok',
    },
    {
      parser: 'rpc',
      shape: 'value-bigint',
      n: 1000,
      make: (n) => message((w) => codec.value.encode(w, BigInt(`0x${'ab'.repeat(n)}`))),
      parse: decoder(codec.value),
      expect: 'ok',
    },
    {
      parser: 'rpc',
      shape: 'value-nesting',
      n: 3,
      make: (d) => nestedValue(d, 16),
      parse: decoder(codec.value),
      expect: 'ok',
    },
    {
      parser: 'rpc',
      shape: 'value-nesting-refused',
      n: 1000,
      make: (n) =>
        message((w) => {
          for (let d = 0; d < n; d++) {
            w.u8(9);
            w.u32(1);
          }
          w.u8(0);
        }),
      parse: decoder(codec.value),
      expect: DECODE,
    },
    {
      parser: 'rpc',
      shape: 'value-nested-wide',
      n: 1000,
      make: (n) => nestedValue(31, n),
      parse: decoder(codec.value),
      expect: 'ok',
    },
    {
      parser: 'rpc',
      shape: 'reply-exception',
      n: 10_000,
      make: (n) =>
        message((w) => {
          w.u32(ReplyStatus.Exception);
          w.u16(0);
          w.string('x'.repeat(n));
        }),
      parse: (reply) => {
        const reader = new MessageReader();
        return decodeReplyOf(reader, reply);
      },
      expect: 'ERR_OS_REFUSED',
    },

    // the libc shim's <vfs>
    {
      parser: 'vfs',
      shape: 'many-entries',
      n: 500,
      make: (n) => `<vfs>${repeat(n, (i) => `<rom name="f${i}"/><inline name="i${i}">t</inline>`)}</vfs>`,
      parse: vfs,
      expect: 'ok',
    },
    { parser: 'vfs', shape: 'deep-dirs', n: 9, make: vfsDeep, parse: vfs, expect: 'ok' },
    {
      parser: 'vfs',
      shape: 'long-names',
      n: 10_000,
      make: (n) => `<vfs><dir name="${'d'.repeat(n)}"><rom name="${'f'.repeat(n)}"/></dir></vfs>`,
      parse: vfs,
      expect: 'ok',
    },
    {
      parser: 'vfs',
      shape: 'duplicate-at-end',
      n: 500,
      make: (n) => `<vfs>${repeat(n, (i) => `<rom name="f${i}"/>`)}<null name="f0"/></vfs>`,
      parse: vfs,
      expect: VFS,
    },
  ];
}

/** The client's decoding of a reply (as `@os/rpc` does it for a call), without a kernel. */
let decodeReplyOf;

/**
 * Times every case at n and 10n; returns `parse.<parser>.<shape>.<n>` -> ns, after checking every
 * outcome. `only` keeps the cases whose `<parser>.<shape>` contains it; an unexpected outcome throws,
 * or goes to `onMismatch(key, message)` (and is timed all the same) when that is given.
 */
export async function parserGrowthCases({ only, onMismatch } = {}) {
  if (decodeReplyOf === undefined) {
    // decodeReply is internal to @os/rpc (its index does not export it): import its module from the build
    const { decodeReply } = await import('../packages/rpc/dist/reply.js');
    decodeReplyOf = (reader, reply) => decodeReply(reader, entry, reply, 'bench');
  }
  const results = new Map();
  for (const item of cases()) {
    const name = `${item.parser}.${item.shape}`;
    if (only !== undefined && !name.includes(only)) continue;
    const sizes = [item.n, item.n * 10];
    const inputs = sizes.map((size) => item.make(size));
    sizes.forEach((size, i) => {
      const result = outcome(item.parse, inputs[i]);
      if (result === item.expect) return;
      const what = typeof result === 'string' ? result : `an error without a code: ${result?.stack ?? String(result)}`;
      const problem = `parse.${name}.${size} should end in ${item.expect}, ended in ${what}`;
      if (onMismatch === undefined) throw new Error(`parser-growth: ${problem}`);
      onMismatch(`parse.${name}.${size}`, problem);
    });
    timeSizes(item.parse, inputs).forEach((ns, i) => {
      results.set(`parse.${name}.${sizes[i]}`, ns);
    });
  }
  return results;
}

/** Growth of each shape: ns at 10n over ns at n. */
export function growthRatios(results) {
  const bySize = new Map();
  for (const [key, ns] of results) {
    const at = key.lastIndexOf('.');
    const shape = key.slice(0, at);
    const list = bySize.get(shape) ?? [];
    list.push([Number(key.slice(at + 1)), ns]);
    bySize.set(shape, list);
  }
  return [...bySize].map(([shape, list]) => {
    list.sort((a, b) => a[0] - b[0]);
    const [[n, small], [, large]] = list;
    return { shape, n, small, large, ratio: large / small };
  });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const only = process.argv[2];
  const mismatches = [];
  const results = await parserGrowthCases({ only, onMismatch: (_key, problem) => mismatches.push(problem) });
  const format = (ns) =>
    ns >= 1e6 ? `${(ns / 1e6).toFixed(2)} ms` : ns >= 1e3 ? `${(ns / 1e3).toFixed(1)} µs` : `${ns.toFixed(0)} ns`;
  console.log(`${'shape'.padEnd(44)} ${'n'.padStart(6)} ${'at n'.padStart(10)} ${'at 10n'.padStart(10)}  ratio`);
  let worst = 0;
  for (const { shape, n, small, large, ratio } of growthRatios(results)) {
    worst = Math.max(worst, ratio);
    const mark = ratio > 30 ? '  SUPER-LINEAR' : '';
    console.log(
      `${shape.padEnd(44)} ${String(n).padStart(6)} ${format(small).padStart(10)} ${format(large).padStart(10)}  ` +
        `${ratio.toFixed(1).padStart(5)}${mark}`,
    );
  }
  console.log(`(linear is ~10, quadratic ~100; the largest ratio is ${worst.toFixed(1)})`);
  for (const problem of mismatches) console.log(`UNEXPECTED OUTCOME: ${problem.split('\n')[0]}`);
  if (mismatches.length > 0) process.exitCode = 1;
}
