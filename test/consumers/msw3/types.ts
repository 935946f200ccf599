// keycard/testing's types against msw 3's: its handlers go to setupServer and server.use beside the app's own.
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { createMockAuthServer } from 'keycard/testing';

const mock = createMockAuthServer({ refreshTokenMode: 'body' });
const msw = setupServer(
  ...mock.handlers,
  http.get('https://app.test/flags', () => HttpResponse.json({})),
);
msw.use(...mock.handlers);
