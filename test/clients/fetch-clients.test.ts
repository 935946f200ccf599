// README "Clients that take a fetch": GraphQL and RPC clients whose `fetch` option is auth.fetch get keycard's token,
// its one shared refresh on a 401 and the replay, each in the way the client calls fetch (a URL and an init, or a
// `Request`). Against keycard/testing's mock server on msw, behind a GraphQL endpoint and a tRPC router (the real
// @trpc/server, through its fetch adapter) that ask the mock's API whose token it is, so its stats count their 401s.
import { ApolloClient, gql, HttpLink, InMemoryCache } from '@apollo/client';
import { initTRPC, TRPCError } from '@trpc/server';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { createTRPCClient, httpBatchLink } from '@trpc/client';
import { Client as UrqlClient, fetchExchange } from '@urql/core';
import { GraphQLClient } from 'graphql-request';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { ofetch } from 'ofetch';
import createOpenApiClient from 'openapi-fetch';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type AuthClient, createAuthClient } from 'keycard';
import { createMockAuthServer } from 'keycard/testing';

const ORIGIN = 'https://auth.test';
const mock = createMockAuthServer({ baseUrl: ORIGIN });

/** Who the bearer token is for, asked of the mock's API (which knows revoked tokens), or null: a 401. */
async function whoIs(request: Request): Promise<string | null> {
  const authorization = request.headers.get('authorization');
  const reply = await fetch(`${ORIGIN}/api/whoami`, { headers: authorization ? { authorization } : {} });
  return reply.ok ? ((await reply.json()) as { sub: string }).sub : null;
}

const t = initTRPC.context<{ sub: string | null }>().create();
const signedIn = t.procedure.use(({ ctx, next }) => {
  if (!ctx.sub) throw new TRPCError({ code: 'UNAUTHORIZED' });
  return next({ ctx: { sub: ctx.sub } });
});
const router = t.router({
  me: signedIn.query(({ ctx }) => ({ sub: ctx.sub })),
  addTodo: signedIn.input((v) => v as { title: string }).mutation(({ ctx, input }) => ({ sub: ctx.sub, ...input })),
});

const msw = setupServer(
  ...mock.handlers,
  // GraphQL over HTTP: a query by GET (urql's default) or POST.
  http.all(`${ORIGIN}/graphql`, async ({ request }) => {
    const sub = await whoIs(request);
    if (!sub) return HttpResponse.json({ errors: [{ message: 'unauthenticated' }] }, { status: 401 });
    const params = new URL(request.url).searchParams;
    const { variables } = (
      request.method === 'GET' ? { variables: JSON.parse(params.get('variables') ?? '{}') } : await request.json()
    ) as { variables?: { n?: number } };
    return HttpResponse.json({ data: { me: { __typename: 'User', id: sub, n: variables?.n ?? null } } });
  }),
  http.all(`${ORIGIN}/trpc/*`, async ({ request }) => {
    const sub = await whoIs(request.clone());
    return fetchRequestHandler({ endpoint: '/trpc', req: request, router, createContext: () => ({ sub }) });
  }),
);
beforeAll(() => msw.listen({ onUnhandledRequest: 'error' }));
afterAll(() => msw.close());

let auth: AuthClient;
beforeEach(async () => {
  mock.reset();
  auth = createAuthClient({ baseUrl: ORIGIN });
  await auth.login({ username: 'alice', password: 'wonderland' });
  mock.revokeAccessTokens(); // every client below meets a 401 on each of its first calls
});
afterEach(() => auth.dispose());

/** After `calls` concurrent requests through a client: each met one 401 (the mock's API says), one refresh for all. */
const expectOneRefreshFor = (calls: number) => {
  expect(mock.stats.refreshes).toBe(1);
  expect(mock.stats.api401s).toBe(calls);
};

const ME = gql`
  query Me($n: Int) {
    me(n: $n) {
      id
      n
    }
  }
`;

describe('GraphQL clients', () => {
  it('Apollo Client: new HttpLink({ uri, fetch: auth.fetch })', async () => {
    const client = new ApolloClient({
      link: new HttpLink({ uri: `${ORIGIN}/graphql`, fetch: auth.fetch }),
      cache: new InMemoryCache(),
    });
    const results = await Promise.all(
      [1, 2, 3].map((n) => client.query({ query: ME, variables: { n }, fetchPolicy: 'no-cache' })),
    );
    expect(results.map((r) => r.data)).toEqual([1, 2, 3].map((n) => ({ me: { __typename: 'User', id: 'alice', n } })));
    expectOneRefreshFor(3);
  });

  it('urql: new Client({ url, fetch: auth.fetch })', async () => {
    const client = new UrqlClient({ url: `${ORIGIN}/graphql`, exchanges: [fetchExchange], fetch: auth.fetch });
    const results = await Promise.all(
      [1, 2, 3].map((n) => client.query(ME, { n }, { requestPolicy: 'network-only' }).toPromise()),
    );
    expect(results.map((r) => r.error)).toEqual([undefined, undefined, undefined]);
    expect(results.map((r) => r.data.me.n)).toEqual([1, 2, 3]);
    expectOneRefreshFor(3);
  });

  it('graphql-request: new GraphQLClient(url, { fetch: auth.fetch })', async () => {
    const client = new GraphQLClient(`${ORIGIN}/graphql`, { fetch: auth.fetch });
    const results = await Promise.all([1, 2, 3].map((n) => client.request<{ me: { n: number } }>(ME, { n })));
    expect(results.map((r) => r.me.n)).toEqual([1, 2, 3]);
    expectOneRefreshFor(3);
  });
});

describe('REST and RPC clients', () => {
  it('openapi-fetch: createClient({ baseUrl, fetch: auth.fetch }), which hands fetch a Request', async () => {
    // biome-ignore lint/suspicious/noExplicitAny: no OpenAPI schema here; the paths are the mock's echo route
    const client = createOpenApiClient<any>({ baseUrl: `${ORIGIN}/api`, fetch: auth.fetch });
    const results = await Promise.all([1, 2, 3].map((n) => client.POST('/todos', { body: { title: `todo ${n}` } })));
    expect(results.map((r) => [r.response.status, JSON.parse(r.data.body)])).toEqual(
      [1, 2, 3].map((n) => [200, { title: `todo ${n}` }]),
    );
    expectOneRefreshFor(3);
  });

  it('ofetch: ofetch.create({ baseURL }, { fetch: auth.fetch })', async () => {
    const api = ofetch.create({ baseURL: `${ORIGIN}/api` }, { fetch: auth.fetch });
    const results = await Promise.all(
      [1, 2, 3].map((n) => api<{ body: string }>('/todos', { method: 'POST', body: { title: `todo ${n}` } })),
    );
    expect(results.map((r) => JSON.parse(r.body))).toEqual([1, 2, 3].map((n) => ({ title: `todo ${n}` })));
    expectOneRefreshFor(3);
  });

  it('tRPC: httpBatchLink({ url, fetch: auth.fetch }), a batch and a mutation', async () => {
    const trpc = createTRPCClient<typeof router>({
      links: [httpBatchLink({ url: `${ORIGIN}/trpc`, fetch: auth.fetch })],
    });
    const [me, todo] = await Promise.all([trpc.me.query(), trpc.addTodo.mutate({ title: 'Ship it' })]);
    expect([me, todo]).toEqual([{ sub: 'alice' }, { sub: 'alice', title: 'Ship it' }]);
    // The query and the mutation went as two requests (a batch holds one kind): one refresh for both. Each is refused
    // once, or, on a loaded machine, the one tRPC sends a tick later goes after that refresh began and waits for its
    // token instead (a CI run saw one 401).
    expect(mock.stats.refreshes).toBe(1);
    expect([1, 2]).toContain(mock.stats.api401s);
  });
});
