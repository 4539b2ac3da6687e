import { describe, expect, it } from 'vitest';
import { nsFromIso } from '../../src/core/nanos.ts';
import { alpacaTimeframe, parseTimeArg, parseTimeframe } from '../../src/data/timeframe.ts';

describe('timeframes and time arguments', () => {
  it('parses our and Alpaca spellings', () => {
    expect(parseTimeframe('5m')).toMatchObject({ label: '5m', ns: 300_000_000_000n, intraday: true });
    expect(parseTimeframe('1Hour').label).toBe('1h');
    expect(parseTimeframe('1Day')).toMatchObject({ label: '1d', intraday: false });
    expect(alpacaTimeframe(parseTimeframe('15m'))).toBe('15Min');
    for (const bad of ['', '0m', 'm5', '1y', '5 minutes']) {
      expect(() => parseTimeframe(bad), bad).toThrow(
        expect.objectContaining({ code: 'TRD_ERR_DATA_INVALID' })
      );
    }
  });

  it('an end date includes its whole day; ISO and integer ns pass through', () => {
    expect(parseTimeArg('2014-01-02', 'start')).toBe(nsFromIso('2014-01-02T00:00:00Z'));
    expect(parseTimeArg('2014-01-02', 'end')).toBe(nsFromIso('2014-01-03T00:00:00Z'));
    expect(parseTimeArg('2014-01-02T14:30:00-05:00', 'end')).toBe(nsFromIso('2014-01-02T19:30:00Z'));
    expect(parseTimeArg('1388534400000000000', 'start')).toBe(1388534400000000000n);
    expect(() => parseTimeArg('yesterday', 'start')).toThrow(
      expect.objectContaining({ code: 'TRD_ERR_CLI_USAGE' })
    );
  });
});
