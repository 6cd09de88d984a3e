import { Connection } from '@os/session';
import { BookFull, GUESTBOOK_SESSION, Guestbook } from './guestbook.mjs';

export async function construct(env) {
  const book = await Connection.openSession(env, Guestbook, { service: 'Guestbook', ...GUESTBOOK_SESSION });
  for (const name of ['ada', 'grace', 'edsger']) {
    try {
      await env.log(`${name} signed as entry ${await book.session.sign(name)}`);
    } catch (error) {
      if (!(error instanceof BookFull)) throw error;
      await env.log(`${name} could not sign: ${error.message}`);
    }
  }
  await env.log(`the book: ${(await book.session.entries()).join(', ')}`);
  await book.close();

  try {
    await Connection.openSession(env, Guestbook, { service: 'Guestbook', label: 'intruder', ...GUESTBOOK_SESSION });
  } catch (error) {
    await env.log(`${error.name}: ${error.message}`);
  }
  await env.parent.exit(0);
}
