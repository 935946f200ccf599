import { inBrowser } from './env';

/**
 * The cross-tab channel to open: the one named in the options (`false`: none), else, in a browser only, one named
 * after the session the client carries (`session`: its refresh endpoint, or for `keycard/oauth` the issuer and
 * client id). Two clients for different backends on one page then never adopt each other's tokens or logouts.
 * Outside browsers it is off unless named: a Node BroadcastChannel spans a server's worker threads, i.e. other users.
 */
export const channelFor = (option: string | false | undefined, session: string): string | false =>
  option !== undefined ? option : inBrowser() ? `keycard:${session}` : false;
