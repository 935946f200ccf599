// 2. Per-request overhead: what auth.fetch adds to a call, with a stub fetch
// that answers at once, so only the client's own work is timed.
import ky from 'ky';
import { fmt, importKeycard, spread, table, verdict } from '../lib/common.mjs';
import { inProcessBackend } from '../lib/tokens.mjs';

const URL_ = 'https://api.example.com/api/items';
const INIT = { headers: { accept: 'application/json' } };
const GOAL_US = 1;

/** µs per call for `n` sequential awaited calls. */
async function batch(fn, n) {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await fn();
  return ((performance.now() - t0) * 1000) / n;
}

export async function run({ quick, log }) {
  const { createAuthClient } = await importKeycard('index');
  const { createAuthKy } = await importKeycard('ky');
  const ready = new Response(null, { status: 200 });
  const stub = () => Promise.resolve(ready);

  const auth = createAuthClient({
    baseUrl: 'https://api.example.com',
    fetch: stub,
    refreshToken: 'memory',
    channel: false,
    backend: inProcessBackend(3600),
  });
  await auth.login({ username: 'alice', password: 'wonderland' });
  const token = (await auth.getAccessToken()) ?? '';
  const authKy = createAuthKy(auth, { retry: 0 });
  const setHeader = ({ request }) => void request.headers.set('Authorization', `Bearer ${token}`);
  const plainKy = ky.create({ fetch: stub, retry: 0, hooks: { beforeRequest: [setHeader] } });

  // Sanity: each subject really sends the token (timed runs use the bare stub).
  const seen = [];
  const recorder = (input, init) => {
    seen.push(
      new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined)).get('authorization'),
    );
    return stub();
  };
  const checkAuth = createAuthClient({
    baseUrl: 'https://api.example.com',
    fetch: recorder,
    refreshToken: 'memory',
    channel: false,
    backend: inProcessBackend(3600),
  });
  await checkAuth.login({});
  await checkAuth.fetch(URL_, INIT);
  await ky.create({ fetch: recorder, retry: 0, hooks: { beforeRequest: [setHeader] } }).get(URL_, INIT);
  await createAuthKy(checkAuth, { retry: 0 }).get(URL_, INIT);
  checkAuth.dispose();
  if (!seen.every((h) => h?.startsWith('Bearer ')))
    throw new Error(`a subject did not send the token: ${JSON.stringify(seen)}`);

  const subjects = [
    { id: 'stub', label: 'stub fetch alone (baseline)', fn: () => stub(URL_, INIT) },
    { id: 'keycard', label: '`auth.fetch` (keycard)', fn: () => auth.fetch(URL_, INIT) },
    { id: 'request', label: 'stub(new Request(url, init)) (scale)', fn: () => stub(new Request(URL_, INIT)) },
    { id: 'ky', label: 'ky + beforeRequest hook setting the header', fn: () => plainKy.get(URL_, INIT) },
    { id: 'authKy', label: '`createAuthKy` (keycard/ky: ky over auth.fetch)', fn: () => authKy.get(URL_, INIT) },
  ];

  const batches = quick ? 3 : 30;
  const perBatch = quick ? 200 : 5000;
  const warmup = quick ? 200 : 20_000;
  for (const s of subjects) await batch(s.fn, warmup);
  // Each subject is timed in its own phase, its batches alternating with stub batches, so the garbage one
  // subject leaves (ky allocates ~100× what keycard does) is collected on its own time, not charged to the next.
  const samples = Object.fromEntries(subjects.map((s) => [s.id, []]));
  const pairedStub = {};
  const baseline = subjects[0];
  for (const s of subjects.slice(1)) {
    pairedStub[s.id] = [];
    for (let b = 0; b < batches; b++) {
      // Alternate which goes first so drift (frequency scaling, a GC due) hits both alike.
      const first = b % 2 === 0 ? baseline : s;
      const second = first === baseline ? s : baseline;
      const a = await batch(first.fn, perBatch);
      const c = await batch(second.fn, perBatch);
      samples[s.id].push(first === s ? a : c);
      pairedStub[s.id].push(first === s ? c : a);
      samples.stub.push(first === s ? c : a);
    }
    if (!quick) log(`  ${s.id}: ${batches} batches`);
  }
  auth.dispose();

  const base = spread(samples.stub);
  const stats = Object.fromEntries(
    subjects.map((s) => {
      const added = s.id === 'stub' ? [] : samples[s.id].map((v, i) => v - pairedStub[s.id][i]);
      return [
        s.id,
        {
          perCall: spread(samples[s.id]),
          added: s.id === 'stub' ? null : spread(added),
          ratio: spread(samples[s.id]).median / base.median,
        },
      ];
    }),
  );
  const added = stats.keycard.added.median;
  const rows = subjects.map((s) => {
    const st = stats[s.id];
    return [
      s.label,
      fmt(st.perCall.median, 2),
      `${fmt(st.perCall.p10, 2)}–${fmt(st.perCall.p90, 2)}`,
      s.id === 'stub' ? '—' : fmt(st.added.median, 2),
      s.id === 'stub' ? '—' : `${fmt(st.added.p10, 2)}–${fmt(st.added.p90, 2)}`,
      `${fmt(st.ratio, 1)}×`,
    ];
  });

  const calls = batches * perBatch;
  const markdown = [
    table(
      ['subject', 'µs/call (median of batch means)', 'p10–p90', 'added vs stub µs', 'added p10–p90', 'ratio vs stub'],
      rows,
      'lrrrrr',
    ),
    '',
    `${calls.toLocaleString('en')} calls per subject (${batches} batches × ${perBatch.toLocaleString('en')}) after ${warmup.toLocaleString('en')} warm-up calls; ` +
      `\`${URL_}\` with \`${JSON.stringify(INIT)}\`, a valid token (no refresh due), the stub resolving one ready \`Response\`. ` +
      `Each subject runs in its own phase, its batches alternating with stub batches; "added" is each batch's difference from the stub batch beside it, ` +
      `so a subject pays for its own garbage, not another's. keycard/ky is ky + auth.fetch, i.e. what \`createAuthKy\` costs in total.`,
    '',
    `Goal: keycard adds ≤ ${GOAL_US} µs per call: ${fmt(added, 2)} µs ${verdict(added <= GOAL_US)}; ky with a header hook adds ${fmt(stats.ky.added.median, 1)} µs (${fmt(stats.ky.added.median / Math.max(added, 0.01), 0)}× keycard's).`,
  ].join('\n');

  return {
    title: 'Per-request overhead',
    markdown,
    data: { calls, stats },
    goals: [
      {
        name: `auth.fetch adds ≤ ${GOAL_US} µs/call`,
        ok: added <= GOAL_US,
        detail: `${fmt(added, 2)} µs (p10–p90 ${fmt(stats.keycard.added.p10, 2)}–${fmt(stats.keycard.added.p90, 2)})`,
      },
    ],
    summary: {
      stub: base.median,
      keycard: stats.keycard.perCall.median,
      added,
      ky: stats.ky.added.median,
      request: stats.request.added.median,
    },
    quick,
  };
}
