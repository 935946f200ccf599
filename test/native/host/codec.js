// UTF-8 and base64url for the fake server, independent of the globals the
// app sees (so the client's environment is exactly React Native's).

var CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function utf8(text) {
  var bytes = [];
  var encoded = unescape(encodeURIComponent(text));
  for (var i = 0; i < encoded.length; i++) bytes.push(encoded.charCodeAt(i));
  return bytes;
}

function base64(bytes) {
  var out = '';
  for (var i = 0; i < bytes.length; i += 3) {
    var n = (bytes[i] << 16) | ((bytes[i + 1] || 0) << 8) | (bytes[i + 2] || 0);
    out +=
      CHARS[n >> 18] +
      CHARS[(n >> 12) & 63] +
      (i + 1 < bytes.length ? CHARS[(n >> 6) & 63] : '=') +
      (i + 2 < bytes.length ? CHARS[n & 63] : '=');
  }
  return out;
}

function base64url(text) {
  return base64(utf8(text)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

module.exports = { utf8: utf8, base64: base64, base64url: base64url };
