/**
 * `keycard/testing`: a mock auth server for your own tests, built on msw.
 *
 * @example
 * import { createMockAuthServer } from 'keycard/testing';
 * const server = createMockAuthServer();
 * setupServer(...server.handlers).listen();
 */
export { createMockAuthServer } from './server';
export type { MockAuthServer, MockAuthServerOptions, MockAuthStats, MockUser } from './server';
export type { FailureKind, FailureOptions } from './failures';
