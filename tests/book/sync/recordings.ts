import { readFileSync } from 'node:fs';
import { parseRecordingLine, type RecordingLine } from '../../../src/book/sync/cryptofeed-recording.ts';
import { sharedData } from '../../support/shared-data.ts';

/** Every non-blank line of a recording in ../shared/data/l2book/recordings. */
export function recording(name: string): RecordingLine[] {
  const out: RecordingLine[] = [];
  for (const line of readFileSync(sharedData('l2book', 'recordings', name), 'utf8').split('\n')) {
    const r = parseRecordingLine(line);
    if (r) out.push(r);
  }
  return out;
}
