import { XmlNode } from '@os/runtime';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryBackends, Vfs, VfsError, type VfsFs, parseVfsConfig } from '../src/vfs/index.js';

type Step =
  | { readonly op: 'write' | 'append'; readonly path: string; readonly size: number; readonly fill: number }
  | { readonly op: 'unlink' | 'mkdir'; readonly path: string };

/** The simple model: directories by path, file contents by path. */
interface Model {
  readonly dirs: Set<string>;
  readonly files: Map<string, Uint8Array>;
}

const PATHS = ['/a', '/b', '/a/b', '/a/c', '/b/a', '/a/b/c', '/c'];

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    op: fc.constantFrom('write' as const, 'append' as const),
    path: fc.constantFrom(...PATHS),
    size: fc.oneof(fc.nat(64), fc.nat(9_000)),
    fill: fc.nat(255),
  }),
  fc.record({ op: fc.constantFrom('unlink' as const, 'mkdir' as const), path: fc.constantFrom(...PATHS) }),
);

const parentOf = (path: string): string => path.slice(0, path.lastIndexOf('/')) || '/';

/** The error code the model predicts for `step`, or `undefined` when it succeeds (RAM permitting). */
function predictedError(model: Model, step: Step): string | undefined {
  const ancestors: string[] = [];
  for (let at = parentOf(step.path); at !== '/'; at = parentOf(at)) ancestors.unshift(at);
  for (const ancestor of ancestors) {
    if (model.files.has(ancestor)) return 'ENOTDIR';
    if (!model.dirs.has(ancestor)) return 'ENOENT';
  }
  const isDir = model.dirs.has(step.path);
  const isFile = model.files.has(step.path);
  if (step.op === 'mkdir') return isDir || isFile ? 'EEXIST' : undefined;
  if (step.op === 'unlink') return isDir ? 'EISDIR' : isFile ? undefined : 'ENOENT';
  return isDir ? 'EISDIR' : undefined;
}

function apply(model: Model, step: Step): void {
  if (step.op === 'mkdir') model.dirs.add(step.path);
  else if (step.op === 'unlink') model.files.delete(step.path);
  else if (step.op === 'write' || step.op === 'append') {
    const data = new Uint8Array(step.size).fill(step.fill);
    const old = step.op === 'append' ? (model.files.get(step.path) ?? new Uint8Array(0)) : new Uint8Array(0);
    const next = new Uint8Array(old.length + data.length);
    next.set(old);
    next.set(data, old.length);
    model.files.set(step.path, next);
  }
}

function run(fs: VfsFs, step: Step): void {
  if (step.op === 'write' || step.op === 'append')
    (step.op === 'write' ? fs.writeFileSync : fs.appendFileSync)(step.path, new Uint8Array(step.size).fill(step.fill));
  else if (step.op === 'mkdir') fs.mkdirSync(step.path);
  else fs.unlinkSync(step.path);
}

/** Every directory and file under `/` as the VFS lists it. */
function snapshot(fs: VfsFs, dir = '/', into: Model = { dirs: new Set(), files: new Map() }): Model {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const path = `${dir === '/' ? '' : dir}/${entry.name}`;
    if (entry.isDirectory()) {
      into.dirs.add(path);
      snapshot(fs, path, into);
    } else into.files.set(path, fs.readFileSync(path));
  }
  return into;
}

describe('a <ram/> file system', () => {
  it('agrees with a map model step by step, and its RAM is exactly the live blocks', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), fc.integer({ min: 4096, max: 40_000 }), (steps, ramBudget) => {
        const backends = new MemoryBackends({ ramBudget });
        const { fs } = new Vfs(parseVfsConfig(XmlNode.parse('<vfs><ram/></vfs>')), backends);
        const model: Model = { dirs: new Set(), files: new Map() };
        for (const each of steps) {
          const expected = predictedError(model, each);
          let code: string | undefined;
          try {
            run(fs, each);
          } catch (error) {
            if (!(error instanceof VfsError)) throw error;
            code = error.code;
          }
          if (code === 'ENOSPC' && expected === undefined && (each.op === 'write' || each.op === 'append')) {
            // RAM ran out: the step must have changed nothing, which the snapshot below checks
          } else {
            expect(code, `${each.op} ${each.path}`).toBe(expected);
            if (expected === undefined) apply(model, each);
          }
          expect(snapshot(fs)).toEqual(model);
          const live = backends.ram.liveBlocks();
          expect(backends.ram.allocated).toBe(live.reduce((sum, size) => sum + size, 0));
          expect(live).toHaveLength([...model.files.values()].filter((content) => content.length > 0).length);
          expect(backends.ram.allocated).toBeLessThanOrEqual(ramBudget);
        }
        for (const path of model.files.keys()) fs.unlinkSync(path);
        expect(backends.ram.allocated).toBe(0);
      }),
      { numRuns: 100 },
    );
  });
});
