import { describe, expect, it } from 'vitest';
import {
  decodeExecutionReport,
  decodeNewOrderSingle,
  decodeOrderCancelReject,
  decodeOrderCancelRequest,
  encodeExecutionReport,
  encodeNewOrderSingle,
  encodeOrderCancelRequest,
  InstrumentMap
} from '../../src/gateways/fix/app-messages.ts';
import {
  type CancelOrder,
  COMMAND_REASON_MAX,
  decodeMessage,
  type ExecutionReport,
  encodeMessage,
  messageFromJson,
  messageToJson,
  NO_EXECUTION,
  REASON_MAX,
  type SubmitOrder
} from '../../src/messages/index.ts';
import { FIXSIM_AAPL as AAPL } from '../support/fix-instruments.ts';
import { wire } from './fix-support.ts';

const MAP = new InstrumentMap('FIXSIM', [AAPL]);
const NOW = 1_704_164_645_000_000_000n;
/** A venue's long explanation: 300 characters, longer than any canonical reason. */
const LONG_TEXT = `risk check failed: ${'order exceeds the credit limit; '.repeat(10)}`.slice(0, 300);

const report = (r: Partial<ExecutionReport>): ExecutionReport => ({
  type: 'exec.report',
  execType: 'rejected',
  venue: 'FIXSIM',
  instrumentId: AAPL.id,
  clientOrderId: 'o1',
  venueOrderId: 'v1',
  execId: 'e1',
  side: 'buy',
  ...NO_EXECUTION,
  cumQty: 0,
  leavesQty: 0,
  reason: LONG_TEXT,
  tsEvent: NOW,
  tsInit: NOW,
  ...r
});

/** Through its JSON form and back: what a report must survive to reach events.jsonl and the audit. */
const viaJson = <T extends Parameters<typeof messageToJson>[0]>(m: T): unknown =>
  messageFromJson(messageToJson(m));

describe('FIX Text (58) of any length → a canonical reason within its schema', () => {
  it('a venue reject with a 300-character Text is clipped to REASON_MAX and survives the JSON leg', () => {
    expect(LONG_TEXT.length).toBe(300);
    const back = decodeExecutionReport(wire(encodeExecutionReport(report({}), AAPL)), MAP, NOW)!;
    // its start is kept; encoding it was a raw ZodError (reason > 256), so the order.rejected event carrying it
    // was a bad line to `tradestate audit` and the rejection vanished from the order's history
    expect(back.reason).toBe(LONG_TEXT.slice(0, REASON_MAX));
    expect(viaJson(back)).toEqual(back);
  });

  it('an OrderCancelReject with a long Text too', () => {
    const sent = report({
      execType: 'cancel_rejected',
      execId: 'c1',
      cumQty: 0,
      leavesQty: 5
    });
    const order = { instrumentId: AAPL.id, side: 'buy' as const, cumQty: 0, leavesQty: 5 };
    const back = decodeOrderCancelReject(
      wire(encodeExecutionReport(sent, AAPL)),
      'FIXSIM',
      (id) => (id === 'o1' ? order : undefined),
      NOW
    );
    expect(back.reason).toBe(LONG_TEXT.slice(0, REASON_MAX));
    expect(viaJson(back)).toEqual(back);
  });

  it('a Text that fits is taken whole', () => {
    const text = 'x'.repeat(REASON_MAX);
    const back = decodeExecutionReport(
      wire(encodeExecutionReport(report({ reason: text }), AAPL)),
      MAP,
      NOW
    )!;
    expect(back.reason).toBe(text);
    expect(viaJson(back)).toEqual(back);
  });

  it('an order command (NewOrderSingle, OrderCancelRequest) takes at most COMMAND_REASON_MAX', () => {
    const submit: SubmitOrder = {
      type: 'order.submit',
      commandId: 'o1',
      tsInit: NOW,
      strategyId: 's1',
      instrumentId: AAPL.id,
      clientOrderId: 'o1',
      side: 'buy',
      orderType: 'market',
      qty: 1,
      tif: 'day',
      reason: LONG_TEXT
    };
    const cmd = decodeNewOrderSingle(wire(encodeNewOrderSingle(submit, AAPL)), MAP);
    expect(cmd.reason).toBe(LONG_TEXT.slice(0, COMMAND_REASON_MAX));
    expect(decodeMessage(encodeMessage(cmd))).toEqual(cmd);
    const cancel: CancelOrder = {
      type: 'order.cancel',
      commandId: 'c1',
      tsInit: NOW,
      strategyId: 's1',
      instrumentId: AAPL.id,
      clientOrderId: 'o1',
      reason: LONG_TEXT
    };
    const facts = { side: 'buy', orderType: 'market', tif: 'day', qty: 1 } as const;
    const c = decodeOrderCancelRequest(wire(encodeOrderCancelRequest(cancel, AAPL, facts)), MAP);
    expect(c.reason).toBe(LONG_TEXT.slice(0, COMMAND_REASON_MAX));
    expect(decodeMessage(encodeMessage(c))).toEqual(c);
  });
});
