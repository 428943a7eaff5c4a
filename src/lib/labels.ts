/**
 * Kubernetes label selectors (`k`, `!k`, `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`,
 * `k>n`, `k<n`, comma = AND) and field selectors (`f=v`, `f==v`, `f!=v`, comma = AND), parsed and
 * matched the way k8s.io/apimachinery does, with its error texts. Dependency-free: callers turn
 * SelectorParseError into whatever error their layer speaks.
 */

export class SelectorParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SelectorParseError';
  }
}

export type LabelOperator = 'exists' | 'doesnotexist' | '=' | '!=' | 'in' | 'notin' | 'gt' | 'lt';

export interface LabelRequirement {
  key: string;
  operator: LabelOperator;
  values: string[];
}

export interface LabelSelector {
  readonly requirements: readonly LabelRequirement[];
  /** True when the selector selects everything (empty string). */
  readonly empty: boolean;
  matches(labels: Record<string, string> | undefined): boolean;
}

// ---- lexer -------------------------------------------------------------------------------------

type TokenKind = 'ident' | 'in' | 'notin' | '!' | '!=' | '=' | '==' | ',' | '(' | ')' | '>' | '<' | 'end';
interface Token { kind: TokenKind; lit: string }

const SPECIAL = new Set(['!', '=', ',', '(', ')', '>', '<']);
const isSpace = (c: string) => c === ' ' || c === '\t' || c === '\r' || c === '\n';

function lex(input: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i]!;
    if (isSpace(c)) { i++; continue; }
    if (SPECIAL.has(c)) {
      const two = input.slice(i, i + 2);
      if (two === '!=' || two === '==') { out.push({ kind: two, lit: two }); i += 2; continue; }
      out.push({ kind: c as TokenKind, lit: c });
      i++;
      continue;
    }
    let j = i;
    while (j < input.length && !isSpace(input[j]!) && !SPECIAL.has(input[j]!)) j++;
    const word = input.slice(i, j);
    out.push({ kind: word === 'in' ? 'in' : word === 'notin' ? 'notin' : 'ident', lit: word });
    i = j;
  }
  out.push({ kind: 'end', lit: '' });
  return out;
}

// ---- validation (apimachinery's IsQualifiedName / IsValidLabelValue) ----------------------------

const NAME_RE = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS1123_SUBDOMAIN_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const NAME_MSG = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const VALUE_MSG = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

function keyProblem(key: string): string | undefined {
  const parts = key.split('/');
  let name = key;
  if (parts.length === 2) {
    const prefix = parts[0]!;
    name = parts[1]!;
    if (prefix.length === 0) return 'prefix part must be non-empty';
    if (prefix.length > 253 || !DNS1123_SUBDOMAIN_RE.test(prefix)) {
      return "prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
    }
  } else if (parts.length > 2) {
    return "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')";
  }
  if (name.length === 0) return 'name part must be non-empty';
  if (name.length > 63) return 'name part must be no more than 63 characters';
  if (!NAME_RE.test(name)) return NAME_MSG;
  return undefined;
}

function checkKey(key: string): void {
  const problem = keyProblem(key);
  if (problem) throw new SelectorParseError(`unable to parse requirement: key: Invalid value: "${key}": ${problem}`);
}

function checkValue(value: string, index: number, key: string): void {
  if (value === '') return;
  if (value.length > 63) {
    throw new SelectorParseError(`unable to parse requirement: values[${index}][${key}]: Invalid value: "${value}": must be no more than 63 characters`);
  }
  if (!NAME_RE.test(value)) {
    throw new SelectorParseError(`unable to parse requirement: values[${index}][${key}]: Invalid value: "${value}": ${VALUE_MSG}`);
  }
}

// ---- parser -----------------------------------------------------------------------------------

class Parser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(): Token { return this.tokens[this.pos]!; }
  private next(): Token { return this.tokens[this.pos++]!; }

  parse(): LabelRequirement[] {
    const reqs: LabelRequirement[] = [];
    for (;;) {
      const t = this.peek();
      if (t.kind === 'end') return reqs;
      if (t.kind !== 'ident' && t.kind !== '!') {
        throw new SelectorParseError(`found '${t.lit}', expected: !, identifier, or 'end of string'`);
      }
      reqs.push(this.requirement());
      const after = this.next();
      if (after.kind === 'end') return reqs;
      if (after.kind !== ',') throw new SelectorParseError(`found '${after.lit}', expected: ',' or 'end of string'`);
      const more = this.peek();
      if (more.kind !== 'ident' && more.kind !== '!') {
        throw new SelectorParseError(`found '${more.lit}', expected: identifier after ','`);
      }
    }
  }

  private requirement(): LabelRequirement {
    let t = this.next();
    if (t.kind === '!') {
      t = this.next();
      if (t.kind !== 'ident') throw new SelectorParseError(`found '${t.lit}', expected: identifier`);
      checkKey(t.lit);
      return { key: t.lit, operator: 'doesnotexist', values: [] };
    }
    const key = t.lit;
    checkKey(key);
    const opTok = this.peek();
    if (opTok.kind === 'end' || opTok.kind === ',') return { key, operator: 'exists', values: [] };
    this.next();
    switch (opTok.kind) {
      case '=': case '==': case '!=': {
        const operator = opTok.kind === '!=' ? '!=' : '=';
        const v = this.peek();
        let value = '';
        if (v.kind === 'ident' || v.kind === 'in' || v.kind === 'notin') { value = v.lit; this.next(); }
        else if (v.kind !== 'end' && v.kind !== ',') throw new SelectorParseError(`found '${v.lit}', expected: identifier`);
        checkValue(value, 0, key);
        return { key, operator, values: [value] };
      }
      case 'in': case 'notin': {
        const open = this.next();
        if (open.kind !== '(') throw new SelectorParseError(`found '${open.lit}', expected: '('`);
        const values = this.valueList();
        if (values.length === 0) {
          throw new SelectorParseError(`unable to parse requirement: values: Invalid value: []: for 'in', 'notin' operators, values set can't be empty`);
        }
        values.forEach((v, i) => checkValue(v, i, key));
        return { key, operator: opTok.kind, values };
      }
      case '>': case '<': {
        const v = this.next();
        if (v.kind !== 'ident') throw new SelectorParseError(`found '${v.lit}', expected: identifier`);
        if (!/^-?\d+$/.test(v.lit)) {
          throw new SelectorParseError(`unable to parse requirement: values[0]: Invalid value: "${v.lit}": for 'Gt', 'Lt' operators, the value must be an integer`);
        }
        return { key, operator: opTok.kind === '>' ? 'gt' : 'lt', values: [v.lit] };
      }
      default:
        throw new SelectorParseError(`found '${opTok.lit}', expected: in, notin, =, ==, !=, gt, lt`);
    }
  }

  /** After '(': identifiers separated by ',' up to ')'. An empty slot (`(a,,b)`) is an empty value, as upstream. */
  private valueList(): string[] {
    const values: string[] = [];
    if (this.peek().kind === ')') { this.next(); return values; }
    for (;;) {
      const t = this.next();
      if (t.kind === 'ident' || t.kind === 'in' || t.kind === 'notin') {
        values.push(t.lit);
        const sep = this.next();
        if (sep.kind === ')') return values;
        if (sep.kind !== ',') throw new SelectorParseError(`found '${sep.lit}', expected: ',' or ')'`);
      } else if (t.kind === ',') {
        values.push('');
      } else if (t.kind === ')') {
        values.push('');
        return values;
      } else {
        throw new SelectorParseError(`found '${t.lit}', expected: ',', ')' or identifier`);
      }
    }
  }
}

function matchesRequirement(r: LabelRequirement, labels: Record<string, string>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  const v = has ? labels[r.key]! : undefined;
  switch (r.operator) {
    case 'exists': return has;
    case 'doesnotexist': return !has;
    case '=': return has && v === r.values[0];
    case '!=': return !has || v !== r.values[0];
    case 'in': return has && r.values.includes(v!);
    case 'notin': return !has || !r.values.includes(v!);
    case 'gt': case 'lt': {
      if (!has || !/^-?\d+$/.test(v!)) return false;
      const n = Number(v);
      const bound = Number(r.values[0]);
      return r.operator === 'gt' ? n > bound : n < bound;
    }
  }
}

/** Parses a label selector; throws SelectorParseError with apimachinery's message. */
export function parseLabelSelector(selector: string | undefined): LabelSelector {
  const requirements = selector && selector.trim() !== '' ? new Parser(lex(selector)).parse() : [];
  return {
    requirements,
    empty: requirements.length === 0,
    matches(labels) {
      const l = labels ?? {};
      return requirements.every((r) => matchesRequirement(r, l));
    },
  };
}

// ---- field selectors ---------------------------------------------------------------------------

export interface FieldRequirement {
  field: string;
  operator: '=' | '!=';
  value: string;
}

export interface FieldSelector {
  readonly requirements: readonly FieldRequirement[];
  readonly empty: boolean;
  /** `get` returns the value of a field label for the object being tested. */
  matches(get: (field: string) => string | undefined): boolean;
}

/** Splits on unescaped commas (field values may contain `\,`). */
function splitTerms(s: string): string[] {
  const terms: string[] = [];
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\') { i++; continue; }
    if (s[i] === ',') { terms.push(s.slice(start, i)); start = i + 1; }
  }
  terms.push(s.slice(start));
  return terms;
}

function unescapeValue(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\' && i + 1 < s.length) { out += s[++i]; continue; }
    out += s[i];
  }
  return out;
}

function splitTerm(term: string): FieldRequirement | undefined {
  for (let i = 0; i < term.length; i++) {
    if (term[i] === '\\') { i++; continue; }
    for (const op of ['!=', '==', '='] as const) {
      if (term.startsWith(op, i)) {
        return { field: term.slice(0, i), operator: op === '!=' ? '!=' : '=', value: unescapeValue(term.slice(i + op.length)) };
      }
    }
  }
  return undefined;
}

/** Parses a field selector; throws SelectorParseError with apimachinery's message. */
export function parseFieldSelector(selector: string | undefined): FieldSelector {
  const requirements: FieldRequirement[] = [];
  const s = (selector ?? '').trim();
  if (s !== '') {
    for (const term of splitTerms(s)) {
      if (term === '') continue;
      const req = splitTerm(term);
      if (!req) throw new SelectorParseError(`invalid selector: '${s}'; can't understand '${term}'`);
      requirements.push({ ...req, field: req.field.trim() });
    }
  }
  return {
    requirements,
    empty: requirements.length === 0,
    matches(get) {
      return requirements.every((r) => {
        const v = get(r.field) ?? '';
        return r.operator === '=' ? v === r.value : v !== r.value;
      });
    },
  };
}
