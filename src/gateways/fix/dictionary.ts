import { resolve } from 'node:path';
import { ErrorCode, TradestateError } from '../../core/errors.ts';
import { readText } from '../../core/read-file.ts';
import { childrenNamed, parseXml, type XmlElement } from './xml.ts';

/** FIX data types of a QuickFIX dictionary. */
export type FixType =
  | 'STRING'
  | 'CHAR'
  | 'INT'
  | 'LENGTH'
  | 'SEQNUM'
  | 'NUMINGROUP'
  | 'FLOAT'
  | 'PRICE'
  | 'QTY'
  | 'AMT'
  | 'PRICEOFFSET'
  | 'PERCENTAGE'
  | 'BOOLEAN'
  | 'UTCTIMESTAMP'
  | 'UTCTIMEONLY'
  | 'UTCDATE'
  | 'UTCDATEONLY'
  | 'LOCALMKTDATE'
  | 'MONTHYEAR'
  | 'DAYOFMONTH'
  | 'CURRENCY'
  | 'EXCHANGE'
  | 'MULTIPLEVALUESTRING'
  | 'DATA';

export interface FixFieldDef {
  readonly tag: number;
  readonly name: string;
  readonly type: FixType;
  /** Allowed values, when the dictionary lists them. */
  readonly enums: ReadonlySet<string> | undefined;
}

/** A message body, a group instance, the header or the trailer: which tags belong, in which order, which are required. */
export interface FixScopeDef {
  /** Member tags (fields and group count tags) in dictionary order. */
  readonly order: readonly number[];
  /** tag → index in `order`. */
  readonly position: ReadonlyMap<number, number>;
  /** Required member tags. */
  readonly required: readonly number[];
  /** Repeating groups of this scope, by their NumInGroup (count) tag. */
  readonly groups: ReadonlyMap<number, FixGroupDef>;
}

export interface FixGroupDef extends FixScopeDef {
  readonly name: string;
  readonly countTag: number;
  /** The first field of every instance. */
  readonly delimiter: number;
}

export interface FixMessageDef extends FixScopeDef {
  readonly msgType: string;
  readonly name: string;
  /** Session-level (admin) message. */
  readonly admin: boolean;
}

/** A FIX data dictionary compiled into lookup tables. */
export interface FixDictionary {
  readonly beginString: string;
  /** Field definitions indexed by tag (sparse). */
  readonly fields: readonly (FixFieldDef | undefined)[];
  readonly fieldByName: ReadonlyMap<string, FixFieldDef>;
  readonly header: FixScopeDef;
  readonly trailer: FixScopeDef;
  readonly messages: ReadonlyMap<string, FixMessageDef>;
  readonly messageByName: ReadonlyMap<string, FixMessageDef>;
  /**
   * For a LENGTH tag that announces raw data, the DATA tag that follows it (RawDataLength 95 → RawData 96,
   * SignatureLength 93 → Signature 89, …); 0 otherwise. Indexed by tag.
   */
  readonly dataTagOfLength: Int32Array;
  /** 1 for header tags, indexed by tag. */
  readonly headerTag: Uint8Array;
  /** 1 for trailer tags, indexed by tag. */
  readonly trailerTag: Uint8Array;
}

const cache = new Map<string, FixDictionary>();

/** Load and compile a QuickFIX XML dictionary once per path (later calls return the cached tables). */
export function loadFixDictionary(path: string): FixDictionary {
  const key = resolve(path);
  const hit = cache.get(key);
  if (hit) return hit;
  const text = readText(
    key,
    { code: ErrorCode.DATA_NOT_FOUND, message: `FIX dictionary not found: ${key}`, context: { path: key } },
    'latin1'
  );
  const dict = compileFixDictionary(text);
  cache.set(key, dict);
  return dict;
}

/** Compile QuickFIX XML text into lookup tables. */
export function compileFixDictionary(xml: string): FixDictionary {
  const doc = parseXml(xml);
  const fix = doc.children.find((c) => c.name === 'fix');
  if (!fix) throw bad('no <fix> root element');
  const major = fix.attrs['major'] ?? '4';
  const minor = fix.attrs['minor'] ?? '2';
  const beginString = `${fix.attrs['type'] ?? 'FIX'}.${major}.${minor}`;

  const fieldsEl = fix.children.find((c) => c.name === 'fields');
  if (!fieldsEl) throw bad('no <fields>');
  const fieldByName = new Map<string, FixFieldDef>();
  let maxTag = 0;
  const defs: FixFieldDef[] = [];
  for (const f of childrenNamed(fieldsEl, 'field')) {
    const tag = Number(f.attrs['number']);
    const name = f.attrs['name'];
    if (!Number.isInteger(tag) || tag <= 0 || !name) throw bad(`bad field ${JSON.stringify(f.attrs)}`);
    const values = childrenNamed(f, 'value').map((v) => v.attrs['enum'] ?? '');
    const def: FixFieldDef = {
      tag,
      name,
      type: (f.attrs['type'] ?? 'STRING').toUpperCase() as FixType,
      enums: values.length > 0 ? new Set(values) : undefined
    };
    defs.push(def);
    fieldByName.set(name, def);
    if (tag > maxTag) maxTag = tag;
  }
  const fields: (FixFieldDef | undefined)[] = new Array(maxTag + 1).fill(undefined);
  for (const d of defs) fields[d.tag] = d;

  const components = new Map<string, XmlElement>();
  const compsEl = fix.children.find((c) => c.name === 'components');
  for (const c of compsEl ? childrenNamed(compsEl, 'component') : [])
    components.set(c.attrs['name'] ?? '', c);

  const tagOf = (name: string): number => {
    const d = fieldByName.get(name);
    if (!d) throw bad(`unknown field name ${name}`);
    return d.tag;
  };

  const scope = (el: XmlElement): FixScopeDef => {
    const order: number[] = [];
    const required: number[] = [];
    const groups = new Map<number, FixGroupDef>();
    const visit = (parent: XmlElement, parentRequired: boolean): void => {
      for (const c of parent.children) {
        const req = parentRequired && c.attrs['required'] === 'Y';
        if (c.name === 'field') {
          const t = tagOf(c.attrs['name'] ?? '');
          order.push(t);
          if (req) required.push(t);
        } else if (c.name === 'group') {
          const name = c.attrs['name'] ?? '';
          const countTag = tagOf(name);
          const inner = scope(c);
          const delimiter = inner.order[0];
          if (delimiter === undefined) throw bad(`empty group ${name}`);
          groups.set(countTag, { ...inner, name, countTag, delimiter });
          order.push(countTag);
          if (req) required.push(countTag);
        } else if (c.name === 'component') {
          const comp = components.get(c.attrs['name'] ?? '');
          if (!comp) throw bad(`unknown component ${c.attrs['name']}`);
          visit(comp, c.attrs['required'] === 'Y');
        }
      }
    };
    visit(el, true);
    const position = new Map<number, number>();
    for (const [i, t] of order.entries()) position.set(t, i);
    return { order, position, required, groups };
  };

  const headerEl = fix.children.find((c) => c.name === 'header');
  const trailerEl = fix.children.find((c) => c.name === 'trailer');
  const messagesEl = fix.children.find((c) => c.name === 'messages');
  if (!headerEl || !trailerEl || !messagesEl) throw bad('missing <header>, <trailer> or <messages>');
  const header = scope(headerEl);
  const trailer = scope(trailerEl);
  const messages = new Map<string, FixMessageDef>();
  const messageByName = new Map<string, FixMessageDef>();
  for (const m of childrenNamed(messagesEl, 'message')) {
    const msgType = m.attrs['msgtype'];
    const name = m.attrs['name'];
    if (!msgType || !name) throw bad('message without msgtype/name');
    const def: FixMessageDef = { ...scope(m), msgType, name, admin: m.attrs['msgcat'] === 'admin' };
    messages.set(msgType, def);
    messageByName.set(name, def);
  }

  const dataTagOfLength = new Int32Array(maxTag + 1);
  for (const d of defs) {
    if (d.type !== 'LENGTH') continue;
    const base = d.name.replace(/Len(gth)?$/, '');
    const data = fieldByName.get(base);
    if (data && data.type === 'DATA') dataTagOfLength[d.tag] = data.tag;
  }
  const headerTag = new Uint8Array(maxTag + 1);
  for (const t of header.order) headerTag[t] = 1;
  const trailerTag = new Uint8Array(maxTag + 1);
  for (const t of trailer.order) trailerTag[t] = 1;

  return {
    beginString,
    fields,
    fieldByName,
    header,
    trailer,
    messages,
    messageByName,
    dataTagOfLength,
    headerTag,
    trailerTag
  };
}

function bad(what: string): TradestateError {
  return new TradestateError(ErrorCode.DATA_INVALID, `FIX dictionary: ${what}`);
}
