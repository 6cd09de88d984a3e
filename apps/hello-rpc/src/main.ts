import { runHelloRpc } from './system.js';

await runHelloRpc((line) => console.log(line));
