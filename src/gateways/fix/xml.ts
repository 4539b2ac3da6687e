import { ErrorCode, TradestateError } from '../../core/errors.ts';

/** One XML element: name, attributes and child elements (text content is not kept: FIX dictionaries carry none). */
export interface XmlElement {
  readonly name: string;
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: XmlElement[];
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decodeEntities(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|[a-z]+);/g, (m, e: string) => {
    if (e.startsWith('#x')) return String.fromCodePoint(Number.parseInt(e.slice(2), 16));
    if (e.startsWith('#')) return String.fromCodePoint(Number.parseInt(e.slice(1), 10));
    return ENTITIES[e] ?? m;
  });
}

const ATTR_RE = /([A-Za-z_:][\w:.-]*)\s*=\s*(?:'([^']*)'|"([^"]*)")/g;

/**
 * A small dependency-free XML reader, enough for QuickFIX data dictionaries: elements, attributes
 * (single or double quoted), self-closing tags, comments, processing instructions and CDATA (skipped).
 * Malformed nesting is `TRD_ERR_DATA_INVALID`.
 */
export function parseXml(text: string): XmlElement {
  const root: XmlElement = { name: '#document', attrs: {}, children: [] };
  const stack: XmlElement[] = [root];
  let i = 0;
  const n = text.length;
  while (i < n) {
    const lt = text.indexOf('<', i);
    if (lt < 0) break;
    if (text.startsWith('<!--', lt)) {
      const end = text.indexOf('-->', lt + 4);
      if (end < 0) throw xmlError('unterminated comment', lt);
      i = end + 3;
      continue;
    }
    if (text.startsWith('<![CDATA[', lt)) {
      const end = text.indexOf(']]>', lt);
      if (end < 0) throw xmlError('unterminated CDATA', lt);
      i = end + 3;
      continue;
    }
    if (text.startsWith('<?', lt) || text.startsWith('<!', lt)) {
      const end = text.indexOf('>', lt);
      if (end < 0) throw xmlError('unterminated declaration', lt);
      i = end + 1;
      continue;
    }
    const gt = findTagEnd(text, lt);
    if (gt < 0) throw xmlError('unterminated tag', lt);
    const body = text.slice(lt + 1, gt);
    i = gt + 1;
    if (body.startsWith('/')) {
      const name = body.slice(1).trim();
      const top = stack.pop();
      if (!top || top.name !== name || stack.length === 0) throw xmlError(`unexpected </${name}>`, lt);
      continue;
    }
    const selfClosing = body.endsWith('/');
    const inner = selfClosing ? body.slice(0, -1) : body;
    const m = /^([A-Za-z_:][\w:.-]*)/.exec(inner);
    if (!m) throw xmlError('bad tag name', lt);
    const name = m[1]!;
    const attrs: Record<string, string> = {};
    ATTR_RE.lastIndex = name.length;
    for (let a = ATTR_RE.exec(inner); a !== null; a = ATTR_RE.exec(inner)) {
      attrs[a[1]!] = decodeEntities(a[2] ?? a[3] ?? '');
    }
    const el: XmlElement = { name, attrs, children: [] };
    stack.at(-1)!.children.push(el);
    if (!selfClosing) stack.push(el);
  }
  if (stack.length !== 1) throw xmlError(`unclosed <${stack.at(-1)!.name}>`, n);
  return root;
}

function findTagEnd(text: string, from: number): number {
  let quote = '';
  for (let j = from + 1; j < text.length; j++) {
    const c = text[j]!;
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '>') return j;
  }
  return -1;
}

function xmlError(what: string, at: number): TradestateError {
  return new TradestateError(ErrorCode.DATA_INVALID, `XML: ${what} at offset ${at}`, { at });
}

/** Children of `el` with the given element name. */
export function childrenNamed(el: XmlElement, name: string): XmlElement[] {
  return el.children.filter((c) => c.name === name);
}
