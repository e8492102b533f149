import { escapeXml } from '../../functions/commons/xml-text.ts';

export { escapeXml };

import { AwsServiceError } from './http.ts';

/**
 * Just enough XML for the REST-XML request bodies the SDK writes (Route 53): elements, text and
 * the five predefined entities plus character references. Attributes (xmlns) are read past, since
 * no request field lives in one. A body this cannot read is the caller's fault, as in AWS.
 */
export interface XmlElement {
  readonly name: string;
  readonly children: XmlElement[];
  text: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

export function parseXml(source: string, malformedCode = 'InvalidInput'): XmlElement {
  const malformed = (detail: string) =>
    new AwsServiceError(malformedCode, `Invalid XML in the request body: ${detail}`, 400);
  const body = source.replace(/^\uFEFF?\s*(<\?xml[^?]*\?>)?/, '');
  const root: XmlElement = { name: '#document', children: [], text: '' };
  const stack: XmlElement[] = [root];
  const tag = /<(\/?)([A-Za-z_][\w.-]*)([^>]*?)(\/?)>|<!--[\s\S]*?-->|([^<]+)/y;
  let match: RegExpExecArray | null;
  while (tag.lastIndex < body.length) {
    const at = tag.lastIndex;
    match = tag.exec(body);
    if (!match) throw malformed(`unexpected markup at offset ${at}`);
    const [, closing, name, , selfClosing, text] = match;
    const current = stack[stack.length - 1]!;
    if (text !== undefined) {
      current.text += decodeEntities(text, malformed);
    } else if (name === undefined) {
      // a comment
    } else if (closing) {
      if (current.name !== name) throw malformed(`</${name}> closes <${current.name}>`);
      stack.pop();
    } else {
      const element: XmlElement = { name, children: [], text: '' };
      current.children.push(element);
      if (!selfClosing) stack.push(element);
    }
  }
  if (stack.length !== 1) throw malformed(`<${stack[stack.length - 1]!.name}> is never closed`);
  const [document] = root.children;
  if (!document || root.children.length > 1) throw malformed('expected exactly one root element');
  return document;
}

function decodeEntities(text: string, malformed: (detail: string) => Error): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|\w+);|&/g, (whole, entity: string | undefined) => {
    if (entity === undefined) throw malformed('a bare "&" in text');
    if (entity.startsWith('#x')) return String.fromCodePoint(Number.parseInt(entity.slice(2), 16));
    if (entity.startsWith('#')) return String.fromCodePoint(Number.parseInt(entity.slice(1), 10));
    const decoded = ENTITIES[entity];
    if (decoded === undefined) throw malformed(`unknown entity ${whole}`);
    return decoded;
  });
}

export function childOf(element: XmlElement, name: string): XmlElement | undefined {
  return element.children.find((child) => child.name === name);
}

export function childrenOf(element: XmlElement, name: string): XmlElement[] {
  return element.children.filter((child) => child.name === name);
}

/** The text of a child element, or undefined when there is none. */
export function textOf(element: XmlElement, name: string): string | undefined {
  return childOf(element, name)?.text.trim();
}

/**
 * Builds an element from a plain description: strings and numbers become text, arrays repeat the
 * element, undefined leaves it out, and objects nest in their key order (which the XML keeps).
 */
export type XmlValue = string | number | boolean | undefined | XmlFields | readonly XmlValue[];
export interface XmlFields {
  readonly [name: string]: XmlValue;
}

export function xmlElement(name: string, value: XmlValue): string {
  if (value === undefined) return '';
  if (Array.isArray(value)) return value.map((item) => xmlElement(name, item)).join('');
  if (typeof value === 'object') {
    const inner = Object.entries(value as XmlFields)
      .map(([child, childValue]) => xmlElement(child, childValue))
      .join('');
    return `<${name}>${inner}</${name}>`;
  }
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}
