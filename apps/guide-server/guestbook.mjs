import { RpcException, codec, defineInterface, method } from '@os/rpc';

/** The session's page is full, or its policy allows no more entries. */
export class BookFull extends RpcException {}

/** A guestbook: sign it, read it. Declared once; the server and the client both import it. */
export const Guestbook = defineInterface('Guestbook', {
  sign: method([codec.string], codec.u32, { throws: [BookFull] }),
  entries: method([], codec.array(codec.string)),
});

/** What a session costs the server: one page for its entries; the session object and that page's dataspace. */
export const GUESTBOOK_SESSION = { ram: 4096, caps: 2 };
