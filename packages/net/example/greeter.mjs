import { Net } from '@os/net';

/** Answers each connection on port 7070 with a greeting for the name the peer sent. */
export async function construct(env) {
  const net = await Net.Connection.open(env, { sockets: 2, listeners: 1 });
  const listener = await net.listen({ port: 7070 });
  await env.log('listening on port 7070');
  for await (const socket of listener) {
    let name = '';
    for await (const chunk of socket) name += new TextDecoder().decode(chunk);
    await socket.write(`hello, ${name}`);
    await socket.end();
    await socket.close();
  }
}
