// The workspace's packages as the publish and package tests see them, and a child-process helper they share.
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The repository's root. */
export const root = resolve(import.meta.dirname, '../..');

/** Every workspace package: its directory relative to the root, and its package.json. */
export function workspacePackages() {
  const globs = readFileSync(join(root, 'pnpm-workspace.yaml'), 'utf8')
    .split('\n')
    .map((line) => /^\s*-\s*['"]?([^'"]+)\/\*['"]?\s*$/.exec(line)?.[1])
    .filter((parent) => parent !== undefined);
  const found = [];
  for (const parent of globs) {
    for (const entry of readdirSync(join(root, parent), { withFileTypes: true })) {
      const dir = `${parent}/${entry.name}`;
      if (!entry.isDirectory() || !existsSync(join(root, dir, 'package.json'))) continue;
      found.push({ dir, manifest: JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) });
    }
  }
  return found;
}

/** The packages that are published: the public ones under packages/ (@os/*). */
export function publicPackages() {
  return workspacePackages().filter(({ dir, manifest }) => dir.startsWith('packages/') && manifest.private !== true);
}

/** The entry points of a package's `exports` map as import specifiers (`@os/runtime`, `@os/runtime/host`). */
export function entryPoints(manifest) {
  return Object.keys(manifest.exports ?? { '.': null })
    .filter((key) => !key.endsWith('.json'))
    .map((key) => (key === '.' ? manifest.name : `${manifest.name}/${key.slice(2)}`));
}

/**
 * Runs `command` with `args` in `cwd`; resolves with its exit code and output. It fails (rejects with both outputs)
 * when the exit code is not 0, unless `allowFailure`.
 */
export function exec(command, args, { cwd, env, allowFailure = false, timeoutMs = 600_000 } = {}) {
  return new Promise((resolveRun, reject) => {
    const child = spawn(command, args, { cwd, env: env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const result = { code: code ?? (signal === null ? 1 : 128), stdout, stderr };
      if (result.code !== 0 && !allowFailure) {
        reject(
          new Error(
            `${command} ${args.join(' ')} (in ${cwd}) exited with ${signal ?? code}\n` +
              `--- stdout\n${stdout}\n--- stderr\n${stderr}`,
          ),
        );
      } else {
        resolveRun(result);
      }
    });
  });
}

/**
 * Runs `task` over `items`, at most `limit` at a time, every one to its end; resolves with the results in order, or
 * rejects with every failure's message once all have ended.
 */
export async function inParallel(items, limit, task) {
  const results = new Array(items.length);
  const failures = [];
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      try {
        results[index] = await task(items[index], index);
      } catch (error) {
        failures.push(error instanceof Error ? error.message : String(error));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failures.length > 0) throw new Error(`${failures.length} of ${items.length} failed:\n${failures.join('\n')}`);
  return results;
}
