import { FileSystem, LookupFailed } from '@os/fs';

/** Counts its boots in /boots.txt of its File_system session, keeps a journal, and lists what it stored. */
export async function construct(env) {
  const fs = await FileSystem.Connection.open(env);
  let boots = 0;
  try {
    boots = Number(await fs.readText('/boots.txt'));
  } catch (error) {
    if (!(error instanceof LookupFailed)) throw error;
  }
  boots += 1;
  await fs.writeFile('/boots.txt', String(boots), { atomic: true });
  await fs.mkdirp('/journal');
  await fs.writeFile(`/journal/${boots}.txt`, `boot ${boots}\n`);
  await env.log(`boot ${boots}; journal: ${(await fs.list('/journal')).map((entry) => entry.name).join(', ')}`);
  try {
    await fs.readText('/../secret');
  } catch (error) {
    await env.log(`${error.name}: ${error.message}`);
  }
  await fs.close();
  await env.parent.exit(0);
}
