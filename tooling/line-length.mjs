#!/usr/bin/env node
// Lists every line longer than 120 columns in the tracked source files (.ts, .mts, .cts, .js, .mjs, .cjs, .json) as
// file:line, and exits 1 if there is one. Biome's formatter keeps code within 120 columns but leaves long strings,
// template literals, regular expressions and comments alone; this check covers them. Not checked: build output (dist),
// API reports (etc/*.api.md), pnpm-lock.yaml, and Markdown files (tables are long by nature).
// Columns are counted in code points. Run from anywhere in the repository: node tooling/line-length.mjs
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const MAX_COLUMNS = 120;
const CHECKED = /\.(?:[cm]?ts|[cm]?js|json)$/;
const EXEMPT = /(?:^|\/)dist\/|^pnpm-lock\.yaml$/;

const root = execFileSync('git', ['rev-parse', '--show-toplevel'], { encoding: 'utf8' }).trim();
const tracked = execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' })
  .split('\0')
  .filter((file) => CHECKED.test(file) && !EXEMPT.test(file));

const long = [];
for (const file of tracked) {
  let text;
  try {
    text = readFileSync(join(root, file), 'utf8');
  } catch {
    continue; // deleted in the work tree, not yet in the index
  }
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const columns = [...lines[i].replace(/\r$/, '')].length;
    if (columns > MAX_COLUMNS) long.push(`${file}:${i + 1}: ${columns} columns`);
  }
}

if (long.length > 0) {
  console.error(long.join('\n'));
  console.error(`${long.length} line${long.length === 1 ? '' : 's'} longer than ${MAX_COLUMNS} columns`);
  process.exit(1);
}
