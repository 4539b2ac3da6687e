import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseFix } from '../../src/gateways/fix/parser.ts';
import { validateFix } from '../../src/gateways/fix/validate.ts';
import { fuzzOne, mutationArb, randomBytesArb, seedMessages } from './fix-fuzz-arbitraries.ts';
import { nosBody, SessionHarness, sessionConfig } from './fix-session-harness.ts';
import { dict } from './fix-support.ts';

const seeds = seedMessages();

describe('FIX parser fuzzing (sample; scripts/fuzz-fix.ts runs the long campaign)', () => {
  it('the seeds are valid FIX 4.2', () => {
    for (const s of seeds)
      expect(
        validateFix(parseFix(s, 0, s.length, { dataTagOfLength: dict.dataTagOfLength }), dict)
      ).toBeUndefined();
  });

  it('random bytes: no crash, no hang, every rejection a typed FIX error', () => {
    fc.assert(
      fc.property(randomBytesArb, fc.integer({ min: 1, max: 64 }), (b, chunk) => {
        for (const r of fuzzOne(b, dict, chunk))
          expect(r).toMatch(/^(ok|reject:\d+|(framer:)?(ok|TRD_ERR_FIX_[A-Z_]+))$/);
      }),
      { numRuns: 1500 }
    );
  });

  it('mutated valid messages: no crash, every rejection typed; intact frames still found', () => {
    const arb = fc.constantFrom(...seeds).chain((s) => mutationArb(s));
    fc.assert(
      fc.property(arb, fc.integer({ min: 1, max: 64 }), (b, chunk) => {
        for (const r of fuzzOne(b, dict, chunk))
          expect(r).toMatch(/^(ok|reject:\d+|(framer:)?(ok|TRD_ERR_FIX_[A-Z_]+))$/);
      }),
      { numRuns: 3000 }
    );
  });

  it('a live session fed mutated messages never throws and only sends valid FIX', () => {
    const arb = fc.array(
      fc.constantFrom(...seeds).chain((s) => fc.oneof(mutationArb(s), fc.constant(s))),
      { maxLength: 12 }
    );
    fc.assert(
      fc.property(arb, (msgs) => {
        const h = new SessionHarness(sessionConfig('acceptor', { sendingTimeToleranceMs: 0 }));
        h.logOnAcceptor();
        h.actor.send({ type: 'session.send', msgType: 'D', fields: nosBody('x') });
        for (const m of msgs) h.deliver(m);
        expect(h.actor.getSnapshot().status).not.toBe('error');
        for (const s of h.sent) expect(validateFix(s, dict)).toBeUndefined();
        h.actor.stop();
      }),
      { numRuns: 300 }
    );
  });
});
