import { makeInstrument } from '../../src/core/instrument.ts';

/** AAPL at the FIX test venue `FIXSIM` (cents, whole shares, USD): the FIX application-message tests' instrument. */
export const FIXSIM_AAPL = makeInstrument({
  symbol: 'AAPL',
  venue: 'FIXSIM',
  tickSize: '0.01',
  lotSize: '1',
  currency: 'USD'
});
