// Stand-ins for globals that the Hermes of the React Native version under
// test has built in, but the only Linux Hermes VM on npm (hermes-engine-cli
// 0.12.0, 2022) lacks: atob/btoa and TextEncoder (Hermes in RN 0.74+) and
// TextDecoder (Hermes in RN 0.85+). Installed per version from versions.mjs,
// before anything else runs, so each version sees exactly its own set:
// React Native 0.74 gets no TextDecoder. Behaviour follows the specs
// (forgiving-base64 decode, UTF-8 encode/decode with replacement) for what a
// library can observe.

var CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function invalid(message) {
  var error = new Error(message);
  error.name = 'InvalidCharacterError';
  return error;
}

function atob(input) {
  var s = String(input).replace(/[\t\n\f\r ]/g, '');
  if (s.length % 4 === 0) s = s.replace(/==?$/, '');
  if (s.length % 4 === 1 || /[^A-Za-z0-9+/]/.test(s))
    throw invalid('Found invalid character when decoding base64 string');
  var out = '';
  var buffer = 0;
  var bits = 0;
  for (var i = 0; i < s.length; i++) {
    buffer = (buffer << 6) | CHARS.indexOf(s[i]);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += String.fromCharCode((buffer >> bits) & 0xff);
    }
  }
  return out;
}

function btoa(input) {
  var s = String(input);
  var out = '';
  for (var i = 0; i < s.length; i += 3) {
    var a = s.charCodeAt(i);
    var b = s.charCodeAt(i + 1);
    var c = s.charCodeAt(i + 2);
    if (a > 255 || b > 255 || c > 255) throw invalid('Found invalid character when encoding base64 string');
    var n = (a << 16) | ((b || 0) << 8) | (c || 0);
    out +=
      CHARS[n >> 18] +
      CHARS[(n >> 12) & 63] +
      (i + 1 < s.length ? CHARS[(n >> 6) & 63] : '=') +
      (i + 2 < s.length ? CHARS[n & 63] : '=');
  }
  return out;
}

function TextEncoder() {}
TextEncoder.prototype.encoding = 'utf-8';
TextEncoder.prototype.encode = function (input) {
  var s = input === undefined ? '' : String(input);
  var bytes = [];
  for (var i = 0; i < s.length; i++) {
    var c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      var d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      } else c = 0xfffd;
    } else if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
    if (c < 0x80) bytes.push(c);
    else if (c < 0x800) bytes.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) bytes.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else bytes.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return new Uint8Array(bytes);
};

function TextDecoder(label, options) {
  this.encoding = 'utf-8';
  this.fatal = !!(options && options.fatal);
}
TextDecoder.prototype.decode = function (input) {
  var bytes =
    input === undefined
      ? new Uint8Array(0)
      : input instanceof Uint8Array
        ? input
        : new Uint8Array(input.buffer || input);
  var out = '';
  for (var i = 0; i < bytes.length; ) {
    var b = bytes[i];
    var need = b < 0x80 ? 0 : b >= 0xc2 && b < 0xe0 ? 1 : b >= 0xe0 && b < 0xf0 ? 2 : b >= 0xf0 && b < 0xf5 ? 3 : -1;
    var cp = need === 0 ? b : need === 1 ? b & 31 : need === 2 ? b & 15 : b & 7;
    var ok = need >= 0;
    for (var k = 1; ok && k <= need; k++) {
      var next = bytes[i + k];
      if (next === undefined || (next & 0xc0) !== 0x80) ok = false;
      else cp = (cp << 6) | (next & 63);
    }
    if (
      ok &&
      ((need === 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
        (need === 3 && (cp < 0x10000 || cp > 0x10ffff)))
    )
      ok = false;
    if (!ok) {
      if (this.fatal) throw new TypeError('The encoded data was not valid.');
      out += '\ufffd';
      i++;
      continue;
    }
    out += String.fromCodePoint(cp);
    i += need + 1;
  }
  return out;
};

var ALL = { atob: atob, btoa: btoa, TextEncoder: TextEncoder, TextDecoder: TextDecoder };

/** Defines `names` on the global object as an engine would (writable, configurable, not enumerable). */
module.exports = function installEngineBuiltins(names) {
  names.forEach(function (name) {
    Object.defineProperty(globalThis, name, {
      value: ALL[name],
      writable: true,
      configurable: true,
      enumerable: false,
    });
  });
};
