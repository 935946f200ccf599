// `import { NativeModules, Platform } from 'react-native'`, as react-native-url-polyfill writes it, without React
// Native's index.js: that names every component, and bundled it pulls them all in, where this fixture installs only
// what Libraries/Core needs. Each name is the module that index hands out for it, read as lazily (0.88's modules
// export it as `default`, 0.74's as the module itself, which is what `.default ??` reads).
const from = (module) => module.default ?? module;
module.exports = {
  get NativeModules() {
    return from(require('react-native/Libraries/BatchedBridge/NativeModules'));
  },
  get Platform() {
    return from(require('react-native/Libraries/Utilities/Platform'));
  },
};
