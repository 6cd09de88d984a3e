import { Net } from '@os/net';
import { Timer } from '@os/timer';

/** Connects to the greeter (again while it is not listening yet), sends its name, logs the answer. */
export async function construct(env) {
  const timer = await Timer.Connection.open(env);
  const net = await Net.Connection.open(env);
  let socket;
  while (socket === undefined) {
    try {
      socket = await net.connect({ host: '127.0.0.1', port: 7070 });
    } catch (error) {
      if (error.kind !== 'refused') throw error;
      await timer.msleep(50);
    }
  }
  await socket.write('visitor');
  await socket.end();
  let answer = '';
  for await (const chunk of socket) answer += new TextDecoder().decode(chunk);
  await env.log(answer);
  await net.connect({ host: 'example.org', port: 80 }).catch((error) => env.log(`${error.name}: ${error.message}`));
  await net.close();
  await env.parent.exit(0);
}
