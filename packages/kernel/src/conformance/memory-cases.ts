import { InvalidArgumentError, InvalidCapabilityError, QuotaExceededError } from '../errors.js';
import type { Message } from '../message.js';
import { PAGE_SIZE } from '../pages.js';
import { check, equal, throws } from './assert.js';
import { domain, writeWord } from './fixture.js';
import type { ConformanceCase } from './suite.js';

/** RAM dataspaces and quota. */
export const memoryCases: ConformanceCase[] = [
  {
    name: 'a dataspace is charged page-rounded to the allocating PD and refunded when dissolved',
    run(kernel) {
      const owner = domain(kernel, 'owner', 3 * PAGE_SIZE, 8);
      const dataspace = owner.thread.allocDataspace(PAGE_SIZE + 1);
      equal(owner.thread.kindOf(dataspace), 'dataspace', 'kind');
      equal(owner.thread.dataspaceSize(dataspace), PAGE_SIZE + 1, 'size');
      equal(kernel.quota(owner.pd).ramUsed, 2 * PAGE_SIZE, 'two pages charged');
      equal(kernel.quota(owner.pd).capUsed, 1, 'one cap charged');
      throws(() => owner.thread.allocDataspace(2 * PAGE_SIZE), QuotaExceededError, 'past the RAM quota');
      equal(kernel.quota(owner.pd).ramUsed, 2 * PAGE_SIZE, 'failed allocation charged nothing');
      owner.thread.dissolve(dataspace);
      equal(kernel.quota(owner.pd).ramUsed, 0, 'refunded');
      equal(kernel.quota(owner.pd).capUsed, 0, 'cap refunded');
      throws(() => owner.thread.allocDataspace(0), InvalidArgumentError, 'empty dataspace');
      throws(() => owner.thread.allocDataspace(-1), InvalidArgumentError, 'negative size');
    },
  },
  {
    name: 'two PDs that attach the same dataspace share its bytes; dissolving it takes them from both',
    run(kernel) {
      const owner = domain(kernel, 'owner');
      const peer = domain(kernel, 'peer');
      const dataspace = owner.thread.allocDataspace(64);
      const selector = kernel.delegate(owner.pd, dataspace, peer.pd);
      const mine = owner.thread.attach(dataspace);
      const theirs = peer.thread.attach(selector);
      mine[3] = 42;
      equal(theirs[3], 42, 'the peer sees the write');
      owner.thread.dissolve(dataspace);
      equal(mine.length, 0, 'owner view emptied');
      equal(theirs.length, 0, 'peer view emptied');
      throws(() => peer.thread.attach(selector), InvalidCapabilityError, 'attach after dissolve');
    },
  },
  {
    name:
      'a PD that attached a dataspace is destroyed: the owner keeps the bytes, and dissolving it later still ' +
      'empties its view and refunds',
    run(kernel) {
      const owner = domain(kernel, 'owner', 2 * PAGE_SIZE, 8);
      const peer = domain(kernel, 'peer');
      const dataspace = owner.thread.allocDataspace(64);
      const theirs = peer.thread.attach(kernel.delegate(owner.pd, dataspace, peer.pd));
      const mine = owner.thread.attach(dataspace);
      theirs[5] = 17;
      kernel.destroyPd(peer.pd);
      equal(mine[5], 17, 'the owner still sees what the peer wrote');
      equal(mine.length, 64, 'the owner keeps the bytes');
      owner.thread.dissolve(dataspace);
      equal(mine.length, 0, 'owner view emptied');
      equal(kernel.quota(owner.pd).ramUsed, 0, 'refunded');
    },
  },
  {
    name: 'a dataspace passed in a message can be attached by the receiver',
    run(kernel) {
      const server = domain(kernel, 'server');
      let sum = 0;
      server.thread.serve({
        onCall(_object, request: Message) {
          const bytes = server.thread.attach(request.caps[0] as number);
          sum = bytes.reduce((total, byte) => total + byte, 0);
          writeWord(request, sum);
        },
        onSignal() {},
      });
      const object = server.thread.createRpcObject();
      const client = domain(kernel, 'client');
      const selector = kernel.delegate(server.pd, object, client.pd);
      const dataspace = client.thread.allocDataspace(16);
      client.thread.attach(dataspace).fill(2);
      writeWord(client.thread.utcb, 0);
      client.thread.utcb.setCaps([dataspace]);
      client.thread.call(selector);
      equal(sum, 32, 'the server read the client bytes');
    },
  },
  {
    name: 'quota moves between PDs only as far as the giver has it free',
    run(kernel) {
      const parent = domain(kernel, 'parent', 10 * PAGE_SIZE, 10);
      const child = kernel.createPd('child');
      kernel.transferQuota(parent.pd, child, { ram: 4 * PAGE_SIZE, caps: 3 });
      equal(kernel.quota(child).ramLimit, 4 * PAGE_SIZE, 'child RAM');
      equal(kernel.quota(child).capLimit, 3, 'child caps');
      equal(kernel.quota(parent.pd).ramLimit, 6 * PAGE_SIZE, 'parent RAM left');
      parent.thread.allocDataspace(5 * PAGE_SIZE);
      throws(
        () => kernel.transferQuota(parent.pd, child, { ram: 2 * PAGE_SIZE }),
        QuotaExceededError,
        'RAM in use is not free',
      );
      throws(() => kernel.transferQuota(parent.pd, child, { caps: 100 }), QuotaExceededError, 'more caps than held');
      throws(
        () => kernel.transferQuota(parent.pd, child, { ram: -PAGE_SIZE }),
        InvalidArgumentError,
        'negative amount',
      );
      equal(kernel.quota(child).ramLimit, 4 * PAGE_SIZE, 'nothing moved by the refused transfers');
      equal(kernel.quota(parent.pd).capLimit, 7, 'parent caps unchanged by the refusals');
    },
  },
  {
    name: 'destroying a PD returns the quota it held and invalidates its objects everywhere',
    run(kernel) {
      const doomed = domain(kernel, 'doomed', 4 * PAGE_SIZE, 5);
      const witness = domain(kernel, 'witness');
      const object = doomed.thread.createRpcObject();
      const dataspace = doomed.thread.allocDataspace(PAGE_SIZE);
      const held = kernel.delegate(doomed.pd, object, witness.pd);
      const view = witness.thread.attach(kernel.delegate(doomed.pd, dataspace, witness.pd));
      const returned = kernel.destroyPd(doomed.pd);
      equal(returned.ram, 4 * PAGE_SIZE, 'RAM limit returned');
      equal(returned.caps, 5, 'cap limit returned');
      check(!witness.thread.valid(held), 'object gone for the witness');
      equal(view.length, 0, 'memory gone for the witness');
      equal(kernel.capSpace(witness.pd).length, 0, 'witness space empty again');
    },
  },
];
