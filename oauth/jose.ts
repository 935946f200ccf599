// The part of jose that keycard/oauth uses, loaded on demand (id-token.ts): a module of its own, so that a bundler
// splits off these functions only, tree-shaken, rather than all of jose.
export { createRemoteJWKSet, customFetch, decodeJwt, errors, jwtVerify } from 'jose';
