// auth.fetch replays a request that got a 401 "with the same body" (API.md). The slow path is fetch itself: whatever
// body it accepts, the replay must carry the bytes fetch sends for it the first time. Every body kind Node's fetch
// takes, over random contents, against a real server on 127.0.0.1 that answers each first try 401: the reusable
// ones (string, bytes, Blob, FormData, URLSearchParams) and the one-shot ones, which must be copied before the first
// send (a web ReadableStream, an async generator, a Node Readable such as a file stream).
import fc from 'fast-check';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthFetch } from '../src/fetch';

let server: Server;
let url: string;
// What the server received, each request's body as text, with a multipart boundary (random per serialization) named.
const received: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const boundary = /boundary=(.+)$/.exec(req.headers['content-type'] ?? '')?.[1];
      const text = Buffer.concat(chunks).toString('latin1');
      received.push(boundary ? text.split(boundary).join('BOUNDARY') : text);
      // Every first try (a token that is no longer good) 401, every replay (a new token) 200.
      res.statusCode = req.headers.authorization === 'Bearer old' ? 401 : 200;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/upload`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

const authFetch = createAuthFetch({
  fetch: () => fetch,
  allowed: () => true,
  tokenNow: () => 'old',
  waitForToken: async () => 'old',
  tokenAfter401: async () => 'new',
  onReplay: () => {},
  absolute: (u) => u,
});

/** Two chunks, never an empty one: Node 20's fetch waits forever for an async iterable that yields only empty chunks. */
const chunks = (b: Uint8Array<ArrayBuffer>) => [b.slice(0, 1), b.slice(1)].filter((chunk) => chunk.length > 0);

const BODIES: Record<string, (bytes: Uint8Array<ArrayBuffer>) => unknown> = {
  string: (b) => Buffer.from(b).toString('latin1'),
  Uint8Array: (b) => b,
  ArrayBuffer: (b) => b.slice().buffer,
  DataView: (b) => new DataView(b.slice().buffer),
  Blob: (b) => new Blob([b]),
  URLSearchParams: (b) => new URLSearchParams({ q: Buffer.from(b).toString('latin1') }),
  FormData: (b) => {
    const form = new FormData();
    form.set('f', new Blob([b]), 'f.bin');
    return form;
  },
  ReadableStream: (b) =>
    new ReadableStream({
      start(controller) {
        for (const chunk of chunks(b)) controller.enqueue(chunk);
        controller.close();
      },
    }),
  'async generator': (b) =>
    (async function* () {
      yield* chunks(b);
    })(),
  'Node Readable': (b) => Readable.from([Buffer.from(b)]),
};

/** What the server gets for one call: the bodies of each request it made. */
async function bodiesOf(send: () => Promise<Response>): Promise<string[]> {
  received.length = 0;
  const response = await send();
  await response.arrayBuffer();
  return [...received];
}

const init = (body: unknown): RequestInit =>
  ({ method: 'POST', body: body as BodyInit, duplex: 'half' }) as RequestInit;

/**
 * The arguments of one call, made fresh (a body reads once): the body on the init, on a `Request`, or on both (the
 * init's replaces the Request's, which is then never read).
 */
const SHAPES = {
  init: (body: () => unknown): [RequestInfo, RequestInit] => [url, init(body())],
  Request: (body: () => unknown): [RequestInfo, RequestInit?] => [new Request(url, init(body()))],
  'Request and init': (body: () => unknown): [RequestInfo, RequestInit] => [
    new Request(url, init(new ReadableStream({ pull: (c) => c.close() }))),
    init(body()),
  ],
};

describe('a replay carries the body fetch sends the first time', () => {
  it('for every body kind Node’s fetch takes, on an init or a Request, over random contents (300 cases)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...Object.keys(BODIES)),
        fc.constantFrom(...(Object.keys(SHAPES) as Array<keyof typeof SHAPES>)),
        fc.uint8Array({ minLength: 1, maxLength: 64 }),
        async (kind, shape, bytes) => {
          const body = () => BODIES[kind]!(bytes as Uint8Array<ArrayBuffer>);
          const [plain] = await bodiesOf(() => fetch(...SHAPES[shape](body)));
          const [first, replay, ...more] = await bodiesOf(() => authFetch(...SHAPES[shape](body)));
          expect([first, replay, more]).toEqual([plain, plain, []]);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a file-sized Node Readable (256 KiB in chunks) is replayed whole', async () => {
    const chunk = Buffer.alloc(16 * 1024, 'k');
    const [first, replay] = await bodiesOf(() => authFetch(url, init(Readable.from(Array(16).fill(chunk)))));
    expect([first?.length, replay?.length]).toEqual([256 * 1024, 256 * 1024]);
  });
});
