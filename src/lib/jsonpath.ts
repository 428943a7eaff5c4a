/**
 * kubectl's JSONPath dialect (client-go util/jsonpath), written from its documented behaviour:
 * templates mix literal text with `{expr}` actions, `{range expr}...{end}` and quoted text
 * `{"\n"}`; expressions support fields, `$`/`@`, `*`, `..`, `[n]`, slices, quoted keys, unions
 * and `[?(...)]` filters. Missing fields yield no result rather than an error (kubectl's
 * allowMissingKeys), which is what the Table printer and `-o jsonpath` want.
 */

type Step =
  | { kind: 'field'; name: string }
  | { kind: 'wildcard' }
  | { kind: 'recursive' }
  | { kind: 'subscripts'; items: Subscript[] }
  | { kind: 'filter'; left: Path; op?: CompareOp; right?: Operand };

type Subscript =
  | { kind: 'index'; index: number }
  | { kind: 'slice'; start?: number; end?: number; step?: number }
  | { kind: 'key'; key: string };

type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=';
type Operand = { kind: 'literal'; value: unknown } | { kind: 'path'; path: Path };
/** `fromRoot` paths start at `$`; the others at the current value (`@`, `.`), which is the same outside a filter. */
interface Path { fromRoot: boolean; steps: Step[] }

type TemplateNode =
  | { kind: 'text'; text: string }
  | { kind: 'expr'; path: Path }
  | { kind: 'range'; path: Path; body: TemplateNode[] };

export class JsonPathError extends Error {}

// ---------------------------------------------------------------------------------------------
// Template parsing

const templateCache = new Map<string, TemplateNode[]>();

function parseTemplateCached(template: string): TemplateNode[] {
  let nodes = templateCache.get(template);
  if (!nodes) {
    nodes = parseTemplate(template);
    if (templateCache.size > 1000) templateCache.clear();
    templateCache.set(template, nodes);
  }
  return nodes;
}

function parseTemplate(template: string): TemplateNode[] {
  const root: TemplateNode[] = [];
  const stack: TemplateNode[][] = [root];
  let text = '';
  let i = 0;
  const flushText = () => {
    if (text) stack[stack.length - 1].push({ kind: 'text', text });
    text = '';
  };
  while (i < template.length) {
    const c = template[i];
    if (c !== '{') {
      text += c;
      i++;
      continue;
    }
    flushText();
    const close = findActionEnd(template, i + 1);
    const action = template.slice(i + 1, close).trim();
    i = close + 1;
    const current = stack[stack.length - 1];
    if (action === 'end') {
      if (stack.length === 1) throw new JsonPathError('not in range, nothing to end');
      stack.pop();
    } else if (/^range\s/.test(action)) {
      const node: TemplateNode = { kind: 'range', path: parsePath(action.slice(5).trim()), body: [] };
      current.push(node);
      stack.push(node.body);
    } else if (action.startsWith('"') || action.startsWith("'")) {
      current.push({ kind: 'text', text: unquote(action) });
    } else if (action === '') {
      // `{}` prints nothing.
    } else {
      current.push({ kind: 'expr', path: parsePath(action) });
    }
  }
  flushText();
  if (stack.length > 1) throw new JsonPathError('unclosed range');
  return root;
}

/** Index of the `}` closing an action that starts at `from`, skipping quoted strings. */
function findActionEnd(s: string, from: number): number {
  let quote: string | undefined;
  for (let i = from; i < s.length; i++) {
    const c = s[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === '}') {
      return i;
    }
  }
  throw new JsonPathError(`unclosed action in ${JSON.stringify(s)}`);
}

function unquote(quoted: string): string {
  if (quoted.length < 2 || !quoted.endsWith(quoted[0])) throw new JsonPathError(`unterminated quoted string: ${quoted}`);
  const body = quoted.slice(1, -1);
  return body.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_, e: string) => {
    switch (e[0]) {
      case 'n': return '\n';
      case 't': return '\t';
      case 'r': return '\r';
      case 'b': return '\b';
      case 'f': return '\f';
      case 'u': return String.fromCharCode(parseInt(e.slice(1), 16));
      default: return e;
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Path parsing

const IDENT_END = new Set(['.', '[', ' ', '\t', ')', '=', '!', '<', '>', ',', '(']);

function parsePath(src: string): Path {
  let i = 0;
  let fromRoot = false;
  if (src[0] === '$') {
    fromRoot = true;
    i = 1;
  } else if (src[0] === '@') {
    i = 1;
  }
  const steps: Step[] = [];
  const readIdent = () => {
    const start = i;
    while (i < src.length && !IDENT_END.has(src[i])) i++;
    return src.slice(start, i);
  };
  while (i < src.length) {
    const c = src[i];
    if (c === '.') {
      if (src[i + 1] === '.') {
        steps.push({ kind: 'recursive' });
        i += 2;
      } else {
        i++;
      }
      if (src[i] === '*') {
        steps.push({ kind: 'wildcard' });
        i++;
      } else if (i < src.length && src[i] !== '[' && src[i] !== '.') {
        const name = readIdent();
        if (!name) throw new JsonPathError(`unexpected ${JSON.stringify(src[i])} in ${JSON.stringify(src)}`);
        steps.push({ kind: 'field', name });
      }
    } else if (c === '[') {
      const close = findBracketEnd(src, i + 1);
      steps.push(parseBracket(src.slice(i + 1, close).trim(), src));
      i = close + 1;
    } else if (c === '*' && steps.length === 0) {
      steps.push({ kind: 'wildcard' });
      i++;
    } else if (steps.length === 0 && i === (fromRoot ? 1 : 0)) {
      // kubectl tolerates a leading field without a dot, e.g. `{kind}`.
      steps.push({ kind: 'field', name: readIdent() });
    } else {
      throw new JsonPathError(`unrecognized character ${JSON.stringify(c)} in ${JSON.stringify(src)}`);
    }
  }
  return { fromRoot, steps };
}

/** Index of the `]` matching a `[` before `from`, skipping quotes and nested brackets. */
function findBracketEnd(s: string, from: number): number {
  let depth = 0;
  let quote: string | undefined;
  for (let i = from; i < s.length; i++) {
    const c = s[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === '[' || c === '(') {
      depth++;
    } else if (c === ')') {
      depth--;
    } else if (c === ']') {
      if (depth === 0) return i;
      depth--;
    }
  }
  throw new JsonPathError(`unterminated array in ${JSON.stringify(s)}`);
}

function parseBracket(inner: string, src: string): Step {
  if (inner === '*') return { kind: 'wildcard' };
  if (inner.startsWith('?')) {
    const expr = inner.slice(1).trim();
    if (!expr.startsWith('(') || !expr.endsWith(')')) throw new JsonPathError(`invalid filter in ${JSON.stringify(src)}`);
    return parseFilter(expr.slice(1, -1).trim());
  }
  const items = splitTopLevel(inner, ',').map((part): Subscript => {
    const p = part.trim();
    if (p.startsWith("'") || p.startsWith('"')) return { kind: 'key', key: unquote(p) };
    if (p.includes(':')) {
      const [start, end, step] = p.split(':').map((n) => (n.trim() === '' ? undefined : toInt(n, src)));
      return { kind: 'slice', start, end, step };
    }
    return { kind: 'index', index: toInt(p, src) };
  });
  return { kind: 'subscripts', items };
}

function toInt(s: string, src: string): number {
  const t = s.trim();
  if (!/^-?\d+$/.test(t)) throw new JsonPathError(`invalid array index ${JSON.stringify(t)} in ${JSON.stringify(src)}`);
  return Number(t);
}

function splitTopLevel(s: string, sep: string): string[] {
  const parts: string[] = [];
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === sep) {
      parts.push(s.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(s.slice(start));
  return parts;
}

const OPERATORS: CompareOp[] = ['==', '!=', '<=', '>=', '<', '>'];

function parseFilter(expr: string): Step {
  let quote: string | undefined;
  for (let i = 0; i < expr.length; i++) {
    const c = expr[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      continue;
    }
    const op = OPERATORS.find((o) => expr.startsWith(o, i));
    if (op) {
      const left = parseOperand(expr.slice(0, i).trim());
      const right = parseOperand(expr.slice(i + op.length).trim());
      if (left.kind !== 'path') throw new JsonPathError(`filter must start with a path: ${expr}`);
      return { kind: 'filter', left: left.path, op, right };
    }
  }
  const left = parseOperand(expr);
  if (left.kind !== 'path') throw new JsonPathError(`invalid filter: ${expr}`);
  return { kind: 'filter', left: left.path };
}

function parseOperand(s: string): Operand {
  if (s.startsWith("'") || s.startsWith('"')) return { kind: 'literal', value: unquote(s) };
  if (/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(s)) return { kind: 'literal', value: Number(s) };
  if (s === 'true' || s === 'false') return { kind: 'literal', value: s === 'true' };
  if (s === 'null') return { kind: 'literal', value: null };
  if (s.startsWith('@') || s.startsWith('$') || s.startsWith('.')) return { kind: 'path', path: parsePath(s) };
  throw new JsonPathError(`unrecognized filter operand ${JSON.stringify(s)}`);
}

// ---------------------------------------------------------------------------------------------
// Evaluation

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function evalPath(path: Path, root: unknown, current: unknown): unknown[] {
  let values = [path.fromRoot ? root : current];
  for (const step of path.steps) {
    values = evalStep(step, values, root);
    if (values.length === 0) break;
  }
  return values;
}

function evalStep(step: Step, input: unknown[], root: unknown): unknown[] {
  const out: unknown[] = [];
  switch (step.kind) {
    case 'field':
      for (const v of input) {
        if (isObject(v) && Object.prototype.hasOwnProperty.call(v, step.name)) out.push(v[step.name]);
      }
      return out;
    case 'wildcard':
      for (const v of input) {
        if (Array.isArray(v)) out.push(...v);
        else if (isObject(v)) out.push(...Object.values(v));
      }
      return out;
    case 'recursive':
      for (const v of input) collectRecursive(v, out);
      return out;
    case 'subscripts':
      // A union lists all values of its first member, then of the next (client-go's order).
      for (const sub of step.items) {
        for (const v of input) applySubscript(sub, v, out);
      }
      return out;
    case 'filter':
      for (const v of input) {
        if (!Array.isArray(v)) continue;
        for (const item of v) if (filterMatches(step, item, root)) out.push(item);
      }
      return out;
  }
}

/** Every container with children, then its descendants, depth first (client-go's order). */
function collectRecursive(v: unknown, out: unknown[]): void {
  const children = Array.isArray(v) ? v : isObject(v) ? Object.values(v) : [];
  if (children.length === 0) return;
  out.push(v);
  for (const child of children) collectRecursive(child, out);
}

function applySubscript(sub: Subscript, v: unknown, out: unknown[]): void {
  if (sub.kind === 'key') {
    if (isObject(v) && Object.prototype.hasOwnProperty.call(v, sub.key)) out.push(v[sub.key]);
    return;
  }
  if (!Array.isArray(v)) return;
  const len = v.length;
  if (sub.kind === 'index') {
    const i = sub.index < 0 ? len + sub.index : sub.index;
    if (i >= 0 && i < len) out.push(v[i]);
    return;
  }
  const step = sub.step ?? 1;
  if (step <= 0) return;
  const clamp = (n: number) => Math.min(Math.max(n < 0 ? len + n : n, 0), len);
  const start = sub.start === undefined ? 0 : clamp(sub.start);
  const end = sub.end === undefined ? len : clamp(sub.end);
  for (let i = start; i < end; i += step) out.push(v[i]);
}

function filterMatches(step: Extract<Step, { kind: 'filter' }>, item: unknown, root: unknown): boolean {
  const lefts = evalPath(step.left, root, item);
  if (!step.op || !step.right) return lefts.length > 0 && lefts[0] !== null && lefts[0] !== undefined;
  if (lefts.length !== 1) return false;
  const rights = step.right.kind === 'literal' ? [step.right.value] : evalPath(step.right.path, root, item);
  if (rights.length !== 1) return false;
  return compare(lefts[0], step.op, rights[0]);
}

function compare(a: unknown, op: CompareOp, b: unknown): boolean {
  const comparable = (typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string');
  switch (op) {
    case '==': return comparable || typeof a === typeof b ? a === b : false;
    case '!=': return comparable || typeof a === typeof b ? a !== b : false;
    case '<': return comparable && (a as number) < (b as number);
    case '<=': return comparable && (a as number) <= (b as number);
    case '>': return comparable && (a as number) > (b as number);
    case '>=': return comparable && (a as number) >= (b as number);
  }
}

function evalNodes(nodes: TemplateNode[], data: unknown, results: unknown[][]): void {
  for (const node of nodes) {
    if (node.kind === 'text') {
      results.push([node.text]);
    } else if (node.kind === 'expr') {
      results.push(evalPath(node.path, data, data));
    } else {
      // Inside a range both `$` and `.` refer to the current item, as in client-go.
      for (const item of evalPath(node.path, data, data)) evalNodes(node.body, item, results);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Public API

/** The results of each action of `template` (text yields itself), range bodies once per item. */
export function evaluateJsonPath(template: string, data: unknown): unknown[][] {
  const results: unknown[][] = [];
  evalNodes(parseTemplateCached(template), data, results);
  return results;
}

/** kubectl's `-o jsonpath=` text: strings raw, other values as JSON, several results of one action space-separated. */
export function formatJsonPath(template: string, data: unknown): string {
  return evaluateJsonPath(template, data).map((values) => values.map(formatValue).join(' ')).join('');
}

export function formatValue(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return '';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return stableJson(v);
}

/** JSON with object keys sorted, as Go's encoder writes maps. */
function stableJson(v: unknown): string {
  return JSON.stringify(v, (_key, value) => {
    if (!isObject(value)) return value;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) sorted[k] = value[k];
    return sorted;
  });
}

export type CellType = 'string' | 'integer' | 'number' | 'boolean' | 'date';

/**
 * One Table cell for a printer column: the first result of `jsonPath` (a bare path such as
 * `.status.url` or a `{...}` template), or null if there is none. With a column `type` the value
 * is shaped as the API server shapes CRD columns: strings are printed text, integer/number/boolean
 * cells keep only matching values.
 */
export function printerCell(jsonPath: string, obj: unknown, type?: CellType): string | number | boolean | null {
  const template = jsonPath.includes('{') ? jsonPath : `{${jsonPath}}`;
  const results = evaluateJsonPath(template, obj);
  const value = results.find((r) => r.length > 0)?.[0];
  if (value === undefined || value === null) return null;
  switch (type) {
    case 'string':
      return formatValue(value);
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value) ? value : null;
    case 'number':
      return typeof value === 'number' ? value : null;
    case 'boolean':
      return typeof value === 'boolean' ? value : null;
    case 'date':
      return typeof value === 'string' ? value : null;
    default:
      return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? value : formatValue(value);
  }
}
