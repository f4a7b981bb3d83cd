// wasi:http/types `fields`: header and trailer lists as a guest reads and builds them. Names are
// kept lower-case; values are bytes, read and written as latin1 like the front does.
// Spec: WebAssembly/wasi-http 0.2, types.wit; field syntax from RFC 9110 §5.1 and §5.5.

const INVALID_SYNTAX = Object.freeze({ tag: 'invalid-syntax' });
const FORBIDDEN = Object.freeze({ tag: 'forbidden' });
const IMMUTABLE = Object.freeze({ tag: 'immutable' });

/** RFC 9110 §5.1: a field name is a token. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Connection-specific fields (RFC 9110 §7.6.1) belong to the front, which frames the response
 * itself; a guest may not set them.
 */
const CONNECTION_FIELDS = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'te', 'transfer-encoding', 'upgrade',
]);

function checkName(name: string): string {
  if (!TOKEN.test(name)) throw INVALID_SYNTAX;
  const lower = name.toLowerCase();
  if (CONNECTION_FIELDS.has(lower)) throw FORBIDDEN;
  return lower;
}

/** RFC 9110 §5.5: no CR, LF or NUL in a field value. */
function checkValue(value: Uint8Array): Uint8Array {
  for (let i = 0; i < value.length; i++) {
    const byte = value[i];
    if (byte === 0x0d || byte === 0x0a || byte === 0x00) throw INVALID_SYNTAX;
  }
  return value;
}

export class Fields {
  private names: string[] = [];
  private values: Uint8Array[] = [];
  private immutable = false;

  static fromList(entries: Array<[string, Uint8Array]>): Fields {
    const fields = new Fields();
    for (const [name, value] of entries) {
      fields.names.push(checkName(name));
      fields.values.push(checkValue(value));
    }
    return fields;
  }

  /** Immutable fields over a flat `name, value, …` list of lower-case names (a request's). */
  static fromFlat(flat: readonly string[]): Fields {
    const fields = new Fields();
    for (let i = 0; i + 1 < flat.length; i += 2) {
      fields.names.push(flat[i] as string);
      fields.values.push(Buffer.from(flat[i + 1] as string, 'latin1'));
    }
    fields.immutable = true;
    return fields;
  }

  get(name: string): Uint8Array[] {
    const lower = name.toLowerCase();
    const found: Uint8Array[] = [];
    for (let i = 0; i < this.names.length; i++) {
      if (this.names[i] === lower) found.push(this.values[i] as Uint8Array);
    }
    return found;
  }

  has(name: string): boolean {
    return this.names.includes(name.toLowerCase());
  }

  set(name: string, values: Uint8Array[]): void {
    this.delete(name);
    const lower = checkName(name);
    for (const value of values) {
      this.names.push(lower);
      this.values.push(checkValue(value));
    }
  }

  delete(name: string): void {
    if (this.immutable) throw IMMUTABLE;
    const lower = checkName(name);
    for (let i = this.names.length - 1; i >= 0; i--) {
      if (this.names[i] !== lower) continue;
      this.names.splice(i, 1);
      this.values.splice(i, 1);
    }
  }

  append(name: string, value: Uint8Array): void {
    if (this.immutable) throw IMMUTABLE;
    this.names.push(checkName(name));
    this.values.push(checkValue(value));
  }

  entries(): Array<[string, Uint8Array]> {
    return this.names.map((name, i) => [name, this.values[i] as Uint8Array]);
  }

  clone(): Fields {
    const copy = new Fields();
    copy.names = this.names.slice();
    copy.values = this.values.slice();
    return copy;
  }

  /** The same fields, read-only: what `outgoing-response.headers` hands out (a child). */
  view(): Fields {
    const view = new Fields();
    view.names = this.names;
    view.values = this.values;
    view.immutable = true;
    return view;
  }

  /** Appends `name, value` pairs to a flat list, values decoded as latin1. */
  flattenInto(flat: string[], skip: string): void {
    for (let i = 0; i < this.names.length; i++) {
      const name = this.names[i] as string;
      if (name === skip) continue;
      const value = this.values[i] as Uint8Array;
      flat.push(name, Buffer.from(value.buffer, value.byteOffset, value.length).toString('latin1'));
    }
  }
}
