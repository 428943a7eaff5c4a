/**
 * Containerfile / Dockerfile syntax: logical lines (comments, `\` continuations), instructions
 * with their `--flags`, JSON (exec) form, word splitting with quotes, and `$VAR` / `${VAR}` /
 * `${VAR:-default}` / `${VAR:+alt}` substitution.
 */

export interface Instruction {
  /** Line where the instruction starts (1-based). */
  line: number;
  keyword: string;
  /** Text after the keyword and flags, with continuations joined. */
  rest: string;
  flags: Record<string, string>;
  /** Parsed when `rest` is a JSON array of strings (exec form). */
  json?: string[];
}

export class ContainerfileError extends Error {
  constructor(file: string, line: number, message: string) {
    super(`${file}:${line}: ${message}`);
    this.name = 'ContainerfileError';
  }
}

const FLAG_KEYWORDS = new Set(['FROM', 'COPY', 'ADD', 'RUN']);

export function parseContainerfile(text: string, fileName = 'Containerfile'): Instruction[] {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const out: Instruction[] = [];
  let pending: { line: number; text: string } | undefined;
  for (const [i, raw] of lines.entries()) {
    const trimmed = raw.trim();
    // Comment lines are dropped even inside a continuation, as Docker does.
    if (trimmed.startsWith('#') || (trimmed === '' && pending)) continue;
    if (trimmed === '' && !pending) continue;
    const continues = /\\\s*$/.test(raw);
    const body = continues ? raw.replace(/\\\s*$/, '') : raw;
    pending = pending ? { line: pending.line, text: pending.text + body } : { line: i + 1, text: body };
    if (continues) continue;
    out.push(toInstruction(pending.line, pending.text, fileName));
    pending = undefined;
  }
  if (pending) out.push(toInstruction(pending.line, pending.text, fileName));
  return out;
}

function toInstruction(line: number, text: string, fileName: string): Instruction {
  const m = /^\s*(\S+)\s*(.*)$/s.exec(text);
  if (!m) throw new ContainerfileError(fileName, line, 'empty instruction');
  const keyword = m[1]!.toUpperCase();
  let rest = m[2]!.trim();
  const flags: Record<string, string> = {};
  if (FLAG_KEYWORDS.has(keyword)) {
    for (let f = /^--([a-zA-Z-]+)(?:=(\S*))?\s*/.exec(rest); f; f = /^--([a-zA-Z-]+)(?:=(\S*))?\s*/.exec(rest)) {
      flags[f[1]!] = f[2] ?? 'true';
      rest = rest.slice(f[0].length);
    }
  }
  const instruction: Instruction = { line, keyword, rest, flags };
  if (rest.startsWith('[')) {
    try {
      const parsed = JSON.parse(rest) as unknown;
      if (Array.isArray(parsed) && parsed.every((x) => typeof x === 'string')) instruction.json = parsed as string[];
    } catch { /* not JSON: shell form, as Docker treats it */ }
  }
  return instruction;
}

/** Splits on unquoted whitespace; removes quotes; `\x` escapes x outside single quotes. */
export function splitWords(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < text.length) word += text[++i];
      else word += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < text.length) {
      word += text[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote) throw new Error(`unterminated quote in "${text}"`);
  if (inWord) words.push(word);
  return words;
}

/** `KEY=VALUE ...` pairs (ENV, LABEL); the legacy `KEY value with spaces` form when allowed. */
export function parseKeyValues(text: string, allowLegacy: boolean): Array<[string, string]> {
  const words = splitWords(text);
  if (words.length === 0) throw new Error('missing KEY=VALUE');
  if (!words[0]!.includes('=')) {
    if (!allowLegacy || words.length < 2) throw new Error(`expected KEY=VALUE, got "${text}"`);
    const key = words[0]!;
    return [[key, text.trim().slice(text.trim().indexOf(key) + key.length).trim().replace(/^(["'])(.*)\1$/s, '$2')]];
  }
  return words.map((w) => {
    const eq = w.indexOf('=');
    if (eq <= 0) throw new Error(`expected KEY=VALUE, got "${w}"`);
    return [w.slice(0, eq), w.slice(eq + 1)];
  });
}

/** Expands `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR:+alt}`; `\$` stays a literal `$`. */
export function substitute(text: string, vars: Record<string, string | undefined>): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\' && text[i + 1] === '$') {
      out += '\\$';
      i++;
      continue;
    }
    if (c !== '$') {
      out += c;
      continue;
    }
    if (text[i + 1] === '{') {
      const end = text.indexOf('}', i + 2);
      if (end < 0) throw new Error(`missing "}" in "${text}"`);
      const inner = text.slice(i + 2, end);
      const m = /^([A-Za-z_][A-Za-z0-9_]*)(?::([-+])(.*))?$/s.exec(inner);
      if (!m) throw new Error(`bad substitution "\${${inner}}"`);
      const value = vars[m[1]!];
      if (m[2] === '-') out += value ? value : m[3]!;
      else if (m[2] === '+') out += value ? m[3]! : '';
      else out += value ?? '';
      i = end;
      continue;
    }
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i + 1));
    if (!m) {
      out += c;
      continue;
    }
    out += vars[m[0]] ?? '';
    i += m[0].length;
  }
  return out;
}
