// The auth server the device's networking module answers from: keycard's
// default wire format with rotating refresh tokens, reuse detection and the
// 10 s reuse grace, OAuth discovery, token and revocation endpoints (POST
// /oauth/token, /oauth/revoke) for keycard/oauth, JWT access tokens (signature not checked by clients), and a
// protected GET /api/items. Its state survives an app restart (the test hands
// it to the next process), as a real server's would.

var codec = require('./codec');

/** The authorization code the walk's redirect back carries. */
var OAUTH_CODE = 'the-code';

function createServer(options) {
  var base = options.baseUrl;
  var lifetime = options.accessTokenLifetime;
  var user = options.user;
  var state = options.state || {
    serial: 0,
    families: {},
    tokens: {},
    revokedBefore: 0,
    stats: {
      logins: 0,
      refreshes: 0,
      logouts: 0,
      api: 0,
      api401: 0,
      apiWithToken: 0,
      elsewhere: 0,
      elsewhereWithToken: 0,
    },
  };
  var lost = 0;

  function now() {
    return Date.now();
  }
  function random(prefix) {
    state.serial++;
    return prefix + '-' + state.serial + '-' + Math.floor(Math.random() * 1e9).toString(36);
  }
  function json(status, body, extra) {
    var headers = { 'Content-Type': 'application/json', Date: new Date(now()).toUTCString() };
    for (var key in extra || {}) headers[key] = extra[key];
    return { status: status, headers: headers, body: body === null ? '' : JSON.stringify(body) };
  }
  function accessToken() {
    var iat = Math.floor(now() / 1000);
    var header = codec.base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
    var payload = codec.base64url(
      JSON.stringify({ sub: user.sub, name: user.name, iat: iat, exp: iat + lifetime, jti: random('at') }),
    );
    var token = header + '.' + payload + '.' + codec.base64url('not-a-real-signature');
    state.tokens[token] = { exp: (iat + lifetime) * 1000, issued: state.serial };
    return token;
  }
  function grant(refreshToken) {
    return json(200, {
      access_token: accessToken(),
      token_type: 'Bearer',
      expires_in: lifetime,
      refresh_token: refreshToken,
    });
  }

  function rotate(token) {
    var familyId = Object.keys(state.families).find(function (id) {
      var f = state.families[id];
      return f.current === token || f.previous === token || f.spent.indexOf(token) >= 0;
    });
    if (familyId === undefined) return null;
    var family = state.families[familyId];
    if (family.revoked) return null;
    if (token === family.previous && now() < family.graceUntil) return family.current;
    if (token !== family.current) {
      family.revoked = true;
      return null;
    }
    if (family.previous) family.spent.push(family.previous);
    family.previous = token;
    family.graceUntil = now() + 10000;
    family.current = random('rt');
    return family.current;
  }

  /** A session's first refresh token, the head of a new family. */
  function newFamily() {
    var first = random('rt');
    state.families[first] = { current: first, previous: null, graceUntil: 0, spent: [], revoked: false };
    return first;
  }
  /** Ends the family whose current or previous refresh token `token` is (a logout, a revocation). */
  function revokeFamilyOf(token) {
    for (var id in state.families) {
      var f = state.families[id];
      if (f.current === token || f.previous === token) f.revoked = true;
    }
  }

  /**
   * keycard/oauth's endpoints, form bodies both: the token endpoint (RFC 6749 §4.1.3, §6; one known code) and
   * revocation (RFC 7009).
   */
  function oauth(path, body) {
    var form = {};
    String(body || '')
      .split('&')
      .forEach(function (pair) {
        var at = pair.indexOf('=');
        if (at < 0) return;
        var decode = function (s) {
          return decodeURIComponent(s.replace(/\+/g, ' '));
        };
        form[decode(pair.slice(0, at))] = decode(pair.slice(at + 1));
      });
    state.stats.oauthTokens = (state.stats.oauthTokens || 0) + 1;
    if (path === '/oauth/revoke') {
      // 200 whether or not the token was known.
      revokeFamilyOf(form.token);
      return json(200, {});
    }
    if (form.grant_type === 'authorization_code') {
      if (form.code !== OAUTH_CODE || !form.code_verifier || form.client_id !== 'app')
        return json(400, { error: 'invalid_grant' });
      state.codeVerifier = form.code_verifier;
      return grant(newFamily());
    }
    if (form.grant_type === 'refresh_token') {
      var next = rotate(form.refresh_token);
      return next === null ? json(400, { error: 'invalid_grant' }) : grant(next);
    }
    return json(400, { error: 'unsupported_grant_type' });
  }

  function handle(request) {
    var path = request.url.indexOf(base) === 0 ? request.url.slice(base.length) : null;
    if (request.method === 'POST' && (path === '/oauth/token' || path === '/oauth/revoke'))
      return oauth(path, request.body);
    if (path === '/.well-known/openid-configuration')
      return json(200, {
        issuer: base,
        authorization_endpoint: base + '/authorize',
        token_endpoint: base + '/oauth/token',
        revocation_endpoint: base + '/oauth/revoke',
      });
    var body = request.body ? JSON.parse(request.body) : {};
    if (request.method === 'POST' && path === '/auth/login') {
      state.stats.logins++;
      if (request.headers['x-requested-with'] !== 'keycard') return json(403, { error: 'csrf_header_missing' });
      if (body.username !== user.username || body.password !== user.password)
        return json(401, { error: 'invalid_credentials' });
      return grant(newFamily());
    }
    if (request.method === 'POST' && path === '/auth/refresh') {
      state.stats.refreshes++;
      if (typeof body.refresh_token !== 'string') return json(204, null);
      var next = rotate(body.refresh_token);
      var response = next === null ? json(400, { error: 'invalid_grant' }) : grant(next);
      if (next !== null && lost > 0) {
        lost--;
        return null; // committed here, never delivered
      }
      return response;
    }
    if (request.method === 'POST' && path === '/auth/logout') {
      state.stats.logouts++;
      revokeFamilyOf(body.refresh_token);
      return json(204, null);
    }
    if (path === '/api/items') {
      state.stats.api++;
      var match = /^Bearer (.+)$/.exec(request.headers.authorization || '');
      if (match) state.stats.apiWithToken++;
      var known = match && state.tokens[match[1]];
      if (!known || known.exp <= now() || known.issued <= state.revokedBefore) {
        state.stats.api401++;
        return json(401, { error: 'invalid_token' }, { 'WWW-Authenticate': 'Bearer error="invalid_token"' });
      }
      return json(200, { items: [{ name: 'apples' }, { name: 'pears' }] });
    }
    if (path === null) {
      // Another origin (the device's network answers them all here): did the token go there?
      state.stats.elsewhere++;
      if (request.headers.authorization) state.stats.elsewhereWithToken++;
    }
    return json(404, { error: 'not_found' });
  }

  return {
    handle: handle,
    stats: state.stats,
    state: state,
    /** Every access token issued so far gets a 401 from now on. */
    revokeAccessTokens: function () {
      state.revokedBefore = state.serial;
    },
    /** The next `count` successful refreshes are committed but their responses never arrive. */
    loseRefreshResponses: function (count) {
      lost = count;
    },
    /** The PKCE code verifier of the last code exchange. */
    codeVerifier: function () {
      return state.codeVerifier;
    },
    liveFamilies: function () {
      return Object.keys(state.families).filter(function (id) {
        return !state.families[id].revoked;
      }).length;
    },
  };
}

module.exports = { createServer: createServer };
