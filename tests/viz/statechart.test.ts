import { describe, expect, it } from 'vitest';
import { type AnyStateMachine, createMachine } from 'xstate';
import { omsMachine } from '../../src/machines/oms.machine.ts';
import { orderMachine } from '../../src/machines/order.machine.ts';
import { strategyMachine } from '../../src/machines/strategy.machine.ts';
import { edgesOf, toMermaid } from '../../src/viz/statechart.ts';

/** Every event a machine handles, on the machine itself or on a top-level state. */
function handled(m: AnyStateMachine): Set<string> {
  const out = new Set(Object.keys(m.root.on));
  for (const n of Object.values(m.root.states)) for (const e of Object.keys(n.on)) out.add(e);
  return out;
}

/** The lines a Mermaid state diagram of ours may contain. */
const LINE =
  /^(stateDiagram-v2| {2}\[\*\] --> \S+| {2}\S+ --> \[\*\]| {2}\S+ --> \S+: .+| {2}note (left|right) of \S+: .+)$/;

describe('state-chart visualisation', () => {
  it.each([
    ['order', orderMachine],
    ['oms', omsMachine],
    ['strategy', strategyMachine]
  ] as const)('%s: every handled event has an edge, and the Mermaid text is well formed', (_name, m) => {
    expect(new Set(edgesOf(m).map((e) => e.event))).toEqual(handled(m));
    const text = toMermaid(m);
    for (const line of text.trimEnd().split('\n')) expect(line).toMatch(LINE);
  });

  it('a machine without states (the OMS) is one state whose handlers are self-loops, guards shown', () => {
    const text = toMermaid(omsMachine);
    expect(text).toMatch(/^stateDiagram-v2\n {2}\[\*\] --> oms\n/);
    for (const e of Object.keys(omsMachine.root.on)) expect(text).toContain(`oms --> oms: ${e}`);
    expect(text).toContain('oms --> oms: exec.report [isLateAnswer]');
    expect(text).not.toContain('refused');
  });

  it('handlers on the machine itself are listed for every state; a root wildcard is the refusal note', () => {
    expect(toMermaid(strategyMachine)).toContain('note left of running: in every state: strategy.restore');
    const order = toMermaid(orderMachine);
    expect(order).toContain('note right of NEW: any other event → refused (typed error)');
    expect(order).toContain('FILLED --> [*]');
    expect(order).not.toContain('in every state');
  });

  it('events taken as nothing (no target, no actions) are not drawn: one note lists them, by guard', () => {
    const order = toMermaid(orderMachine);
    expect(order).not.toMatch(/-->.*\[isRepeatReport\]/);
    const notes = order.split('\n').filter((l) => l.includes('taken as nothing'));
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(
      /^ {2}note left of NEW: taken as nothing when \[isRepeatReport\]: venue\.accepted, /
    );
    for (const e of ['venue.cancel_rejected', 'venue.replaced', 'venue.restated'])
      expect(notes[0]).toContain(e);
    expect(notes[0]).not.toContain('venue.filled'); // a repeated fill is refused as a duplicate
    expect(notes[0]).toMatch(/, any other event$/); // the root's wildcard
    // still edges (the json format), marked
    expect(
      edgesOf(orderMachine)
        .filter((e) => e.guard === 'isRepeatReport')
        .every((e) => e.nothing)
    ).toBe(true);
    // generic: any guard, or none; a transition with actions is drawn
    const m = createMachine({
      id: 'm',
      initial: 'a',
      on: { '*': [{ guard: 'quiet' }, { actions: 'complain' }] },
      states: {
        a: { on: { go: 'b', ping: [{ guard: 'quiet' }], noise: {} } },
        b: { on: { ping: { actions: 'complain' } } }
      }
    });
    const text = toMermaid(m);
    expect(text).toContain('  note left of a: taken as nothing when [quiet]: ping, any other event\n');
    expect(text).toContain('  note left of a: taken as nothing: noise\n');
    expect(text).toContain('  b --> b: ping\n');
    expect(text).not.toMatch(/a --> a/);
    for (const line of text.trimEnd().split('\n')) expect(line).toMatch(LINE);
  });
});
