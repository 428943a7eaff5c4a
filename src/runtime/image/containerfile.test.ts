import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseContainerfile, parseKeyValues, splitWords, substitute } from './containerfile.ts';

describe('Containerfile syntax', () => {
  it('joins continuations, drops comments and records the starting line', () => {
    const ins = parseContainerfile('# comment\nFROM scratch\n\nCOPY --chown=1:2 a \\\n  # inner comment\n  b /dst/\nCMD ["/app", "--x"]\nENTRYPOINT /bin/app -v\n');
    assert.deepEqual(ins.map((i) => [i.line, i.keyword]), [[2, 'FROM'], [4, 'COPY'], [7, 'CMD'], [8, 'ENTRYPOINT']]);
    assert.deepEqual(ins[1]!.flags, { chown: '1:2' });
    assert.equal(ins[1]!.rest.replace(/\s+/g, ' '), 'a b /dst/');
    assert.deepEqual(ins[2]!.json, ['/app', '--x']);
    assert.equal(ins[3]!.json, undefined);
  });

  it('splits words with quotes and escapes', () => {
    assert.deepEqual(splitWords(`a "b c" 'd e' f\\ g`), ['a', 'b c', 'd e', 'f g']);
    assert.deepEqual(parseKeyValues('A=1 B="two words"', true), [['A', '1'], ['B', 'two words']]);
    assert.deepEqual(parseKeyValues('GREETING hello world', true), [['GREETING', 'hello world']]);
  });

  it('substitutes variables', () => {
    const vars = { A: 'x', EMPTY: '' };
    assert.equal(substitute('$A/${A}/${B:-dflt}/${A:+alt}/${EMPTY:-e}/\\$A', vars), 'x/x/dflt/alt/e/\\$A');
  });
});
