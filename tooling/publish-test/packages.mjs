// pnpm test:packages: checks the packed form of every public package (what `pnpm publish` would upload):
//   - publint --strict (package.json fields, exports, files: warnings count as errors);
//   - attw (@arethetypeswrong/cli) with the esm-only profile: every entry point of the exports map (`/host` ones
//     included) resolves to JavaScript and types under node16/nodenext and bundler resolution. The packages are
//     ESM-only by design, so the node10 and CommonJS-require resolutions are not checked (see the README);
//   - the dependencies are complete: every package its dist/*.js and dist/*.d.ts import is declared in its
//     dependencies or peerDependencies (a devDependency is not installed for its users).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtinModules } from 'node:module';
import { parse } from '@babel/parser';
import { exec, inParallel, publicPackages, root } from './workspace.mjs';

const started = Date.now();
const scratch = mkdtempSync(join(tmpdir(), 'os-packages-'));
const tool = (name) => join(root, 'tooling/publish-test/node_modules/.bin', name);

/** The module specifiers a module imports: import and export-from declarations, `import()` and `import('x').T`. */
function specifiers(text, file) {
  const ast = parse(text, {
    sourceType: 'module',
    plugins: file.endsWith('.d.ts') ? [['typescript', { dts: true }]] : [],
    errorRecovery: false,
  });
  const found = [];
  const visit = (node) => {
    if (node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      for (const child of node) visit(child);
      return;
    }
    if (typeof node.type !== 'string') return;
    if (/^(ImportDeclaration|ExportNamedDeclaration|ExportAllDeclaration)$/.test(node.type) && node.source) {
      found.push(node.source.value);
    } else if (node.type === 'ImportExpression' && node.source?.type === 'StringLiteral') {
      found.push(node.source.value);
    } else if (node.type === 'CallExpression' && node.callee?.type === 'Import') {
      if (node.arguments[0]?.type === 'StringLiteral') found.push(node.arguments[0].value);
    } else if (node.type === 'TSImportType') {
      found.push(node.argument?.literal?.value ?? node.argument?.value);
    }
    for (const [key, value] of Object.entries(node)) {
      if (key !== 'loc' && key !== 'start' && key !== 'end' && key !== 'extra') visit(value);
    }
  };
  visit(ast.program);
  return found.filter((specifier) => typeof specifier === 'string');
}

/** The bare packages a module imports (not relative paths, not Node built-ins). */
function importedPackages(text, file) {
  const found = new Set();
  for (const specifier of specifiers(text, file)) {
    if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:')) continue;
    const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0];
    if (!builtinModules.includes(name)) found.add(name);
  }
  return found;
}

/** What the packed tarball's dist imports but its package.json does not declare for its users. */
async function undeclared(tarball) {
  const listing = await exec('tar', ['-tzf', tarball], { cwd: scratch });
  const modules = listing.stdout.split('\n').filter((file) => /^package\/dist\/.*\.(js|d\.ts)$/.test(file));
  const manifest = JSON.parse((await exec('tar', ['-xzOf', tarball, 'package/package.json'], { cwd: scratch })).stdout);
  const declared = new Set([
    manifest.name,
    ...Object.keys(manifest.dependencies ?? {}),
    ...Object.keys(manifest.peerDependencies ?? {}),
  ]);
  const missing = new Map();
  for (const file of modules) {
    const text = (await exec('tar', ['-xzOf', tarball, file], { cwd: scratch })).stdout;
    for (const name of importedPackages(text, file)) {
      if (!declared.has(name)) missing.set(name, file.replace(/^package\//, ''));
    }
  }
  return [...missing].map(
    ([name, file]) =>
      `${manifest.name}: ${file} imports ${name}, which it does not depend on (declare it in dependencies or ` +
      'peerDependencies; a file a deleted source left in dist/ goes with pnpm clean && pnpm build)',
  );
}

try {
  const packages = publicPackages();
  const problems = [];
  await inParallel(packages, 2, async ({ dir, manifest }) => {
    const packed = await exec('pnpm', ['pack', '--pack-destination', scratch], { cwd: join(root, dir) });
    const tarball = packed.stdout.trim().split('\n').at(-1);
    const publint = await exec(tool('publint'), ['run', tarball, '--strict'], { cwd: scratch, allowFailure: true });
    if (publint.code !== 0) problems.push(`publint ${manifest.name}:\n${publint.stdout}${publint.stderr}`);
    const attw = await exec(tool('attw'), [tarball, '--profile', 'esm-only', '--format', 'ascii', '--no-color'], {
      cwd: scratch,
      allowFailure: true,
    });
    if (attw.code !== 0) problems.push(`attw ${manifest.name}:\n${attw.stdout}${attw.stderr}`);
    problems.push(...(await undeclared(tarball)));
    process.stdout.write(
      `test:packages: ${manifest.name}: publint ${publint.code === 0 ? 'ok' : 'FAILED'}, attw ` +
        `${attw.code === 0 ? 'ok' : 'FAILED'}\n`,
    );
  });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (problems.length > 0) {
    process.stderr.write(`${problems.join('\n')}\n`);
    process.stderr.write(`test:packages: ${problems.length} problems in ${packages.length} packages (${seconds} s)\n`);
    process.exitCode = 1;
  } else {
    process.stdout.write(
      `test:packages: ${packages.length} packages pass publint --strict, attw (esm-only) and the dependency check ` +
        `(${seconds} s)\n`,
    );
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
