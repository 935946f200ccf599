// keycard/ky and keycard/testing from CommonJS: ky and jose are ES modules only, so this needs require(esm)
// (Node 20.19+, 22.13+ without a warning), which TypeScript models under module nodenext, not node16.
import { createAuthKy } from 'keycard/ky';
import { createMockAuthServer } from 'keycard/testing';

export const binders = [createAuthKy, createMockAuthServer] as const;
// @ts-expect-error: createAuthKy needs a client
createAuthKy();
