// Bundles src/mqtt_bridge.mjs with its npm dependencies (mqtt.js is CommonJS, and a confined component loads ES
// modules only) into one ES module, dist/mqtt_bridge.mjs. Node built-ins stay external: the libc shim gives the
// program its own (node:net on its Net session); a bundled CommonJS package reaches them through the shim's require.
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = dirname(fileURLToPath(import.meta.url));
const outfile = join(root, 'dist/mqtt_bridge.mjs');
mkdirSync(dirname(outfile), { recursive: true });
await build({
  entryPoints: [join(root, 'src/mqtt_bridge.mjs')],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'es2022',
  legalComments: 'none',
  // Node's `global` is the program's globalThis
  define: { global: 'globalThis' },
  alias: { ws: join(root, 'src/no-websocket.cjs') },
  logLevel: 'warning',
});
console.log(`mqtt_bridge: ${outfile}`);
