import { describe, expect, it } from 'vitest';
import { OrderIndex } from '../../src/oms/order-index.ts';

const owner = { strategyId: 's', instrumentId: 'X@SIM' };

describe('OrderIndex', () => {
  it('routes client ids (successors included) and venue ids to the root, and forgets them all on removal', () => {
    const ix = new OrderIndex();
    ix.add('a', owner);
    ix.alias('a2', 'a');
    ix.venue('V1', 'a');
    expect([ix.rootOfClient('a2'), ix.rootOfVenue('V1'), ix.size]).toEqual(['a', 'a', 1]);
    ix.remove('a');
    expect([ix.rootOfClient('a'), ix.rootOfClient('a2'), ix.rootOfVenue('V1'), ix.size]).toEqual([
      undefined,
      undefined,
      undefined,
      0
    ]);
    expect([ix.recentlyClosed('a'), ix.recentlyClosed('a2'), ix.recentlyClosed('b')]).toEqual([
      true,
      true,
      false
    ]);
  });

  it('remembers only the most recent closed ids, oldest forgotten first', () => {
    const ix = new OrderIndex(3);
    for (const id of ['a', 'b', 'c', 'd']) {
      ix.add(id, owner);
      ix.remove(id);
    }
    expect(['a', 'b', 'c', 'd'].map((id) => ix.recentlyClosed(id))).toEqual([false, true, true, true]);
    // around the ring twice more: always exactly the last three
    const more = ['e', 'f', 'g', 'h', 'i', 'j', 'k'];
    for (const id of more) {
      ix.add(id, owner);
      ix.remove(id);
    }
    expect(['a', 'b', 'c', 'd', ...more].filter((id) => ix.recentlyClosed(id))).toEqual(['i', 'j', 'k']);
  });

  it('stopAll remembers the client ids of the orders it stopped as recently closed, bounded as removal is', () => {
    const ix = new OrderIndex(3);
    const sent: unknown[] = [];
    for (const id of ['a', 'b', 'c']) ix.add(id, owner);
    ix.alias('c2', 'c');
    ix.attach('a', { send: (e: unknown) => void sent.push(e) } as never);
    ix.stopAll();
    expect([ix.size, ix.rootOfClient('c2'), sent]).toEqual([0, undefined, [{ type: 'xstate.stop' }]]);
    // a late answer to one of them is told from a stray; only the last three ids are kept
    expect(['a', 'b', 'c', 'c2', 'x'].map((id) => ix.recentlyClosed(id))).toEqual([
      false,
      true,
      true,
      true,
      false
    ]);
  });

  it('mass-cancel selection by strategy and instrument, in creation order', () => {
    const ix = new OrderIndex();
    ix.add('a', owner);
    ix.add('b', { strategyId: 't', instrumentId: 'X@SIM' });
    ix.add('c', { strategyId: 's', instrumentId: 'Y@SIM' });
    expect(ix.matching('s', undefined)).toEqual(['a', 'c']);
    expect(ix.matching(undefined, 'X@SIM')).toEqual(['a', 'b']);
    expect(ix.matching('s', 'Y@SIM')).toEqual(['c']);
  });
});
