import { readFileSync } from 'node:fs';
import type { FixAppMessage } from '../../src/gateways/fix/app-messages.ts';
import { loadFixDictionary } from '../../src/gateways/fix/dictionary.ts';
import { encodeFields, FixEncoder, type FixField } from '../../src/gateways/fix/encoder.ts';
import { type FixMessage, parseFix } from '../../src/gateways/fix/parser.ts';
import { encodeOutbound } from '../../src/gateways/fix/session.ts';
import { validateFix } from '../../src/gateways/fix/validate.ts';
import { sharedData } from '../support/shared-data.ts';

export const FIX42_XML = sharedData('fix', 'FIX42.xml');
export const dict = loadFixDictionary(FIX42_XML);

/** `|`-delimited text → SOH bytes. */
export const soh = (s: string): Uint8Array => Buffer.from(s.replaceAll('|', '\x01'), 'latin1');
/** Bytes → `|`-delimited text. */
export const bar = (b: Uint8Array): string => Buffer.from(b).toString('latin1').replaceAll('\x01', '|');

/** The real FIX 4.2 messages in ../shared/data/fix/samples/misc (one per line). */
export function misc42Samples(): string[] {
  return readFileSync(sharedData('fix', 'samples', 'misc', 'fix42_samples_from_sling-cli_test.txt'), 'latin1')
    .split('\n')
    .filter((l) => l.startsWith('8=FIX.4.2'));
}

/** Encode a message with a header (49/56/34/52) and body fields. */
export function build(
  msgType: string,
  body: readonly FixField[],
  h: { seq?: number; sender?: string; target?: string; time?: string } = {}
): Uint8Array {
  const e = new FixEncoder('FIX.4.2');
  e.begin(msgType)
    .str(49, h.sender ?? 'CLI')
    .str(56, h.target ?? 'SRV')
    .int(34, h.seq ?? 1)
    .str(52, h.time ?? '20240102-03:04:05.678');
  return encodeFields(e, body).finishCopy();
}

/** Recompute BodyLength and CheckSum of a `|` text message (for hand-written fixtures). */
export function fixup(text: string): Uint8Array {
  const raw = text.replaceAll('|', '\x01');
  const i9 = raw.indexOf('\x019=');
  const bodyStart = raw.indexOf('\x01', i9 + 1) + 1;
  const i10 = raw.lastIndexOf('\x0110=');
  const body = raw.slice(bodyStart, i10 + 1);
  const head = `${raw.slice(0, i9 + 1)}9=${Buffer.byteLength(body, 'latin1')}\x01`;
  const msg = head + body;
  let sum = 0;
  for (const b of Buffer.from(msg, 'latin1')) sum += b;
  return Buffer.from(`${msg}10=${String(sum & 255).padStart(3, '0')}\x01`, 'latin1');
}

/**
 * An application message as it goes on the wire and comes off it: encoded with a header (CLI→SRV, `seq`,
 * SendingTime `at`), parsed back, and validated against the FIX 4.2 dictionary (throws on any problem).
 */
export function wire(m: FixAppMessage, seq = 7, at = 1_704_164_645_000_000_000n): FixMessage {
  const bytes = encodeOutbound(
    WIRE_ENC,
    { senderCompId: 'CLI', targetCompId: 'SRV' },
    m.msgType,
    seq,
    at,
    m.fields
  );
  const msg = parseFix(bytes);
  const problem = validateFix(msg, dict);
  if (problem) throw new Error(`${msg.toString()} → ${JSON.stringify(problem)}`);
  return msg;
}
const WIRE_ENC = new FixEncoder();
