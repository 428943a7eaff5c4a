import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TrafficTarget } from '../../apis/serving/types.ts';
import { checkReferencedRevisions, computeTraffic, type TrafficInput } from './compute.ts';
import { collectSlice, splitRef, type TrafficFlags } from './flags.ts';

/** kn's newTarget: a latest target carries no revision name. */
function target(tag: string, rev: string, percent: number, latest = false): TrafficTarget {
  const t: TrafficTarget = latest ? { latestRevision: true, percent } : { revisionName: rev, latestRevision: false, percent };
  if (tag) t.tag = tag;
  return t;
}

/** Parses kn-style argv (`--traffic a=1,b=2 --tag x=y --untag z`) into flags. */
function flagsOf(argv: string[]): TrafficFlags {
  const f: TrafficFlags = { traffic: [], tags: [], untags: [] };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i] === '--traffic' ? 'traffic' : argv[i] === '--tag' ? 'tags' : 'untags';
    f[key] = collectSlice(argv[i + 1]!, f[key]);
  }
  return f;
}

function compute(existing: TrafficTarget[], argv: string[], extra: Partial<TrafficInput> = {}): TrafficTarget[] {
  return computeTraffic({
    serviceName: 'serviceName', specTraffic: existing, statusTraffic: existing, latestReadyRevisionName: undefined,
    revisions: [], flags: flagsOf(argv), mutation: false, creating: false, ...extra,
  });
}

/** [revision or '@latest', tag, percent] per target, as kn's tests compare. */
function summary(traffic: TrafficTarget[]): [string, string, number][] {
  return traffic.map((t) => [t.latestRevision ? '@latest' : t.revisionName!, t.tag ?? '', t.percent ?? 0]);
}

const latest100 = () => [target('', '', 100, true)];
const threeRevs = () => [target('', 'rev-00001', 0), target('', 'rev-00002', 0), target('', 'rev-00003', 100)];
const revs = ['rev-00001', 'rev-00002', 'rev-00003'];

describe('computeTraffic (kn semantics)', () => {
  const cases: { name: string; existing: TrafficTarget[]; argv: string[]; want: [string, string, number][]; extra?: Partial<TrafficInput> }[] = [
    { name: "tags @latest", existing: latest100(), argv: ['--tag', '@latest=latest'], want: [['@latest', 'latest', 100]] },
    { name: 'a bare tag means @latest', existing: latest100(), argv: ['--tag', 'latest'], want: [['@latest', 'latest', 100]] },
    { name: 'tags a revision', existing: [target('', 'echo-v1', 100)], argv: ['--tag', 'echo-v1=stable'], want: [['echo-v1', 'stable', 100]] },
    { name: 're-tagging @latest with its tag is a no-op', existing: [target('current', '', 100, true)], argv: ['--tag', '@latest=current'], want: [['@latest', 'current', 100]] },
    { name: 'splits between @latest and a revision', existing: [target('', '', 100, true), target('', 'rev-v1', 0)], argv: ['--traffic', '@latest=10,rev-v1=90'], want: [['@latest', '', 10], ['rev-v1', '', 90]] },
    { name: "accepts a '%' suffix", existing: [target('', '', 100, true), target('', 'rev-v1', 0)], argv: ['--traffic', '@latest=10%,rev-v1=90%'], want: [['@latest', '', 10], ['rev-v1', '', 90]] },
    { name: 'adds tagged revisions at 0 %', existing: [target('latest', '', 100, true)], argv: ['--tag', 'echo-v0=stale,echo-v1=old'], want: [['@latest', 'latest', 100], ['echo-v0', 'stale', 0], ['echo-v1', 'old', 0]] },
    { name: 're-assigning the same tag to the same revision', existing: [target('latest', 'echo-v1', 100)], argv: ['--tag', 'echo-v1=latest'], want: [['echo-v1', 'latest', 100]] },
    { name: 'appends @latest when the block has none', existing: [target('latest', 'echo-v1', 100)], argv: ['--traffic', '@latest=2,echo-v1=98'], want: [['echo-v1', 'latest', 98], ['@latest', '', 2]] },
    { name: 'tags the appended @latest', existing: [target('latest', 'echo-v1', 100)], argv: ['--traffic', '@latest=2,echo-v1=98', '--tag', '@latest=testing'], want: [['echo-v1', 'latest', 98], ['@latest', 'testing', 2]] },
    { name: 'tag then traffic by tag', existing: [target('v1', 'echo-v1', 100)], argv: ['--tag', 'echo-v2=v2', '--traffic', 'v1=10,v2=90'], want: [['echo-v1', 'v1', 10], ['echo-v2', 'v2', 90]] },
    { name: 'untag keeps the percent', existing: [target('latest', 'echo-v1', 100)], argv: ['--untag', 'latest'], want: [['echo-v1', '', 100]] },
    { name: 'untag comes before tag', existing: [target('latest', 'echo-v1', 50), target('', 'echo-v2', 50)], argv: ['--untag', 'latest', '--tag', 'echo-v1=old,echo-v2=latest'], want: [['echo-v1', 'old', 50], ['echo-v2', 'latest', 50]] },
    { name: 'a second tag of a revision gets its own target', existing: [target('latest', 'echo-v1', 50), target('', 'echo-v2', 50)], argv: ['--tag', 'echo-v1=latest,echo-v1=current'], want: [['echo-v1', 'latest', 50], ['echo-v2', '', 50], ['echo-v1', 'current', 0]] },
    { name: 'two tags of an absent revision', existing: [target('', 'echo-v2', 100)], argv: ['--tag', 'echo-v1=latest,echo-v1=current'], want: [['echo-v2', '', 100], ['echo-v1', 'latest', 0], ['echo-v1', 'current', 0]] },
    { name: 'a revision outside the block is appended', existing: latest100(), argv: ['--traffic', 'echo-v1=10,@latest=90'], want: [['@latest', '', 90], ['echo-v1', '', 10]] },
    { name: 'untagged 0 % targets are dropped', existing: [target('', 'a', 50), target('', 'b', 50)], argv: ['--traffic', 'a=100'], want: [['a', '', 100]], extra: { statusTraffic: [target('', 'a', 50)] } },
    { name: 'a tag wins over a revision of the same name', existing: [target('', 'x', 50), target('x', 'y', 50)], argv: ['--traffic', 'x=100'], want: [['y', 'x', 100]] },
    { name: 'empty spec traffic is the server default', existing: [], argv: ['--tag', '@latest=latest'], want: [['@latest', 'latest', 100]] },
    { name: 'a bare percent means @latest', existing: [target('', 'a', 100)], argv: ['--traffic', '100'], want: [['@latest', '', 100]], extra: { statusTraffic: [] } },
    {
      name: 'remainder goes to the one revision left out (N-1 given)',
      existing: threeRevs(), argv: ['--traffic', 'rev-00001=10,rev-00002=10'], extra: { revisions: revs },
      want: [['rev-00001', '', 10], ['rev-00002', '', 10], ['rev-00003', '', 80]],
    },
    {
      name: 'with a mutation and @latest, N revisions must be given',
      existing: [target('', 'rev-00001', 0), target('', 'rev-00002', 0), target('', '', 100, true)],
      argv: ['--traffic', 'rev-00001=10,rev-00003=40,@latest=20'], extra: { revisions: revs, mutation: true },
      want: [['rev-00001', '', 10], ['rev-00002', '', 30], ['@latest', '', 20], ['rev-00003', '', 40]],
    },
    {
      name: 'without a mutation, @latest counts as the latest ready revision',
      existing: [target('', 'rev-00001', 0), target('', 'rev-00002', 0), target('', '', 100, true)],
      argv: ['--traffic', 'rev-00001=10,@latest=20'], extra: { revisions: revs, latestReadyRevisionName: 'rev-00003' },
      want: [['rev-00001', '', 10], ['rev-00002', '', 70], ['@latest', '', 20]],
    },
    {
      name: 'with a mutation and no @latest, the remainder goes to @latest',
      existing: [target('', 'rev-00001', 0), target('', 'rev-00002', 0), target('', '', 100, true)],
      argv: ['--traffic', 'rev-00001=10,rev-00003=40,rev-00002=30'], extra: { revisions: revs, mutation: true },
      want: [['rev-00001', '', 10], ['rev-00002', '', 30], ['@latest', '', 20], ['rev-00003', '', 40]],
    },
    {
      name: 'the remainder is found through a tag',
      existing: [target('one', 'rev-00001', 50), target('two', 'rev-00002', 50)],
      argv: ['--traffic', 'one=30'], extra: { revisions: revs },
      want: [['rev-00001', 'one', 30], ['rev-00002', 'two', 70]],
    },
    {
      name: 'create: tags imply @latest=100',
      existing: [], argv: ['--tag', '@latest=foo'], extra: { creating: true, statusTraffic: [] },
      want: [['@latest', 'foo', 100]],
    },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(summary(compute(c.existing, c.argv, c.extra)), c.want));
  }

  it('the seed scenario: 50/50 with tags and latest at 0 %, then 40/30/30', () => {
    const v2 = compute([], ['--tag', 'stock-v1=v1,stock-v2=v2,@latest=latest', '--traffic', 'v1=50,v2=50'],
      { revisions: ['stock-v1'], mutation: true, statusTraffic: [target('', 'stock-v1', 100, false)] });
    assert.deepEqual(summary(v2), [['@latest', 'latest', 0], ['stock-v1', 'v1', 50], ['stock-v2', 'v2', 50]]);
    const v3 = compute(v2, ['--tag', 'stock-v3=v3', '--traffic', 'v1=40,v2=30,v3=30'], { revisions: ['stock-v1', 'stock-v2'], mutation: true });
    assert.deepEqual(summary(v3), [['@latest', 'latest', 0], ['stock-v1', 'v1', 40], ['stock-v2', 'v2', 30], ['stock-v3', 'v3', 30]]);
  });

  it('does not modify its input', () => {
    const existing = [target('a', 'r1', 100)];
    compute(existing, ['--untag', 'a']);
    assert.equal(existing[0]!.tag, 'a');
  });

  const errorCases: { name: string; existing: TrafficTarget[]; argv: string[]; message: string; extra?: Partial<TrafficInput> }[] = [
    { name: 'bad --traffic format', existing: latest100(), argv: ['--traffic', '@latest=100=latest'], message: 'expecting the value format in value1=value2, given @latest=100=latest' },
    { name: 'bad --tag format', existing: latest100(), argv: ['--tag', '@latest='], message: 'expecting the value format in value1=value2, given @latest=' },
    { name: '@latest twice in --traffic', existing: latest100(), argv: ['--traffic', '@latest=90,@latest=10'], message: 'repetition of identifier @latest is not allowed, use only once with --traffic flag' },
    { name: '@latest twice in --tag', existing: latest100(), argv: ['--tag', '@latest=latest,@latest=2'], message: 'repetition of identifier @latest is not allowed, use only once with --tag flag' },
    { name: '@latest twice via bare tags', existing: latest100(), argv: ['--tag', 'latest,current'], message: 'repetition of identifier @latest is not allowed, use only once with --tag flag' },
    { name: 'a tag of another revision onto @latest', existing: [target('latest', '', 2, true), target('stable', 'echo-v2', 98)], argv: ['--tag', '@latest=stable'], message: "refusing to overwrite existing tag in service, add flag '--untag stable' in command to untag it" },
    { name: 'a tag of @latest onto a revision', existing: [target('latest', '', 2, true), target('stable', 'echo-v2', 98)], argv: ['--tag', 'echo-v2=latest'], message: "refusing to overwrite existing tag in service, add flag '--untag latest' in command to untag it" },
    { name: 'retagging @latest', existing: [target('candidate', '', 100, true)], argv: ['--tag', '@latest=current'], message: "tag 'candidate' exists on latest ready revision of service, refusing to overwrite existing tag with 'current', add flag '--untag candidate' in command to untag it" },
    { name: 'non-integer percent', existing: latest100(), argv: ['--traffic', '@latest=100p'], message: 'error converting given 100p to integer value for traffic distribution' },
    { name: 'sum above 100', existing: latest100(), argv: ['--traffic', '@latest=40,echo-v1=70'], message: 'given traffic percents sum to 110, want <=100' },
    { name: 'percent out of range', existing: latest100(), argv: ['--traffic', '@latest=-100'], message: 'invalid value for traffic percent -100, expected 0 <= percent <= 100' },
    { name: 'the same revision twice', existing: latest100(), argv: ['--traffic', 'echo-v1=40', '--traffic', 'echo-v1=60'], message: 'repetition of revision reference echo-v1 is not allowed, use only once with --traffic flag' },
    { name: 'untag of a missing tag', existing: [target('latest', 'echo-v1', 100)], argv: ['--untag', 'foo'], message: 'tag(s) foo not present for any revisions of service serviceName' },
    { name: 'untag of missing tags', existing: [target('latest', 'echo-v1', 100)], argv: ['--untag', 'foo', '--untag', 'bar'], message: 'tag(s) foo, bar not present for any revisions of service serviceName' },
    { name: 'fewer than N-1 revisions below 100', existing: threeRevs(), argv: ['--traffic', 'rev-00001=10'], extra: { revisions: revs }, message: 'unable to allocate the remaining traffic: 90%. Reason: incorrect number of revisions specified. Only 1 revision should be missing' },
    { name: 'with a mutation, N revisions are needed', existing: threeRevs(), argv: ['--traffic', 'rev-00001=10,rev-00002=20'], extra: { revisions: revs, mutation: true }, message: 'unable to allocate the remaining traffic: 70%. Reason: incorrect number of revisions specified. Only 1 revision should be missing' },
    { name: 'the missing revision is unknown', existing: threeRevs(), argv: ['--traffic', 'rev-00001=10,rev-00002=20'], extra: { revisions: [] }, message: 'unable to allocate the remaining traffic: 70%. Reason: cannot determine the missing revision' },
  ];
  for (const c of errorCases) {
    it(`error: ${c.name}`, () => assert.throws(() => compute(c.existing, c.argv, c.extra), { message: c.message }));
  }
});

describe('traffic flags', () => {
  it('collects comma-separated and repeated values', () => {
    assert.deepEqual(collectSlice('c', collectSlice('a=1, b=2', undefined)), ['a=1', 'b=2', 'c']);
  });
  it('splits REF=VALUE, a bare value meaning @latest', () => {
    assert.deepEqual(splitRef('v1=50%'), { ref: 'v1', value: '50' });
    assert.deepEqual(splitRef('50'), { ref: '@latest', value: '50' });
  });
});

describe('checkReferencedRevisions', () => {
  const flags = (argv: string[]) => flagsOf(argv);
  it('accepts existing revisions, tags, @latest and the revision being created', () => {
    checkReferencedRevisions(flags(['--tag', 'r1=a,new=b,@latest=c', '--traffic', 'a=50,r2=50']), [target('a', 'r1', 0)], ['r1', 'r2'], 'new');
  });
  it("rejects an unknown revision in Knative's words", () => {
    assert.throws(() => checkReferencedRevisions(flags(['--traffic', 'nope=100']), [], ['r1']), { message: 'Revision "nope" referenced in traffic not found.' });
    assert.throws(() => checkReferencedRevisions(flags(['--tag', 'nope=x']), [], ['r1']), { message: 'Revision "nope" referenced in traffic not found.' });
  });
});
