// The native side of a React Native app, faked: what sits behind native
// modules and nothing else. A virtual clock (Date.now, performance and every
// timer follow it), the timer native module (bridge) or native timers
// (bridgeless), networking answered by an in-process server, blob storage for
// response bodies, AppState, the keychain behind expo-secure-store, and the
// hooks the Hermes host gives React Native (logging, exceptions). React
// Native's own JavaScript (Libraries/Core) installs every web global on top.
//
// The Hermes CLI's event loop is the "native thread": each native event (a
// network response, a timer firing) is delivered in its own host task, so
// promise jobs run between them as on a device.

var installEngineBuiltins = require('./engine-builtins');

var CLI = {
  setTimeout: globalThis.setTimeout,
  print: globalThis.print,
  quit: globalThis.quit,
};
// Globals of the hermes CLI that an app's Hermes runtime doesn't have.
['print', 'quit', 'gc', 'createHeapSnapshot', 'loadSegment', 'setTimeout', 'clearTimeout', 'setImmediate'].forEach(
  function (name) {
    delete globalThis[name];
  },
);

var config = globalThis.__DEVICE__; // written before the bundle by the test: { version, bridgeless, engineBuiltins, start }
installEngineBuiltins(config.engineBuiltins);

// --- output to the test ----------------------------------------------------

function emit(kind, value) {
  CLI.print('@@' + kind + ' ' + JSON.stringify(value));
}

// --- virtual clock ---------------------------------------------------------

var clock = { now: config.start };
var realDateNow = Date.now;
Date.now = function () {
  return clock.now;
};
globalThis.nativePerformanceNow = function () {
  return clock.now - config.start;
};

// --- native tasks ----------------------------------------------------------

var queue = [];
var scheduled = false;
function runQueue() {
  scheduled = false;
  var task = queue.shift();
  if (task) {
    try {
      task();
    } catch (error) {
      emit('native-error', String((error && error.stack) || error));
    }
  }
  if (queue.length > 0) kick();
}
function kick() {
  if (!scheduled) {
    scheduled = true;
    CLI.setTimeout(runQueue, 0);
  }
}
/** Runs `task` in a later host task, like a native event arriving on the JS thread. */
function post(task) {
  queue.push(task);
  kick();
}

// Bridgeless: modules JavaScript registers for native to call (RN$registerCallableModule).
var callables = {};
if (config.bridgeless) {
  globalThis.RN$registerCallableModule = function (name, factory) {
    callables[name] = factory;
  };
}

/** Calls into JavaScript the way native does in this architecture. */
function callJS(module, method, args) {
  if (config.bridgeless) {
    var target = callables[module] && callables[module]();
    if (!target) throw new Error('no callable module ' + module);
    target[method].apply(target, args);
    return;
  }
  globalThis.__fbBatchedBridge.callFunctionReturnFlushedQueue(module, method, args);
}

// --- timers ----------------------------------------------------------------

var timers = new Map(); // id → { at, duration, repeats, fire }
var nextHostTimerId = 1;

function addTimer(id, duration, repeats, fire) {
  timers.set(id, {
    at: clock.now + Math.max(0, duration),
    duration: Math.max(0, duration),
    repeats: repeats,
    fire: fire,
  });
  // Already due (a zero delay): fires on its own, as on a device; later ones wait for the clock to move.
  if (duration <= 0) post(fireDue);
}
function fireDue() {
  fireNextTimer(clock.now);
}

var Timing = {
  createTimer: function (id, duration, jsSchedulingTime, repeats) {
    addTimer(id, duration, repeats, function () {
      callJS('JSTimers', 'callTimers', [[id]]);
    });
  },
  deleteTimer: function (id) {
    timers.delete(id);
  },
  setSendIdleEvents: function () {},
};

if (config.bridgeless) {
  // Bridgeless React Native gets its timers from the native runtime, not from JavaScript.
  var define = function (name, value) {
    Object.defineProperty(globalThis, name, { value: value, writable: true, configurable: true, enumerable: false });
  };
  define('setTimeout', function (fn, ms) {
    var args = Array.prototype.slice.call(arguments, 2);
    var id = nextHostTimerId++;
    addTimer(id, Number(ms) || 0, false, function () {
      fn.apply(undefined, args);
    });
    return id;
  });
  define('setInterval', function (fn, ms) {
    var args = Array.prototype.slice.call(arguments, 2);
    var id = nextHostTimerId++;
    addTimer(id, Number(ms) || 0, true, function () {
      fn.apply(undefined, args);
    });
    return id;
  });
  define('clearTimeout', function (id) {
    timers.delete(id);
  });
  define('clearInterval', function (id) {
    timers.delete(id);
  });
  define('requestAnimationFrame', function (fn) {
    var id = nextHostTimerId++;
    addTimer(id, 16, false, function () {
      fn(clock.now - config.start);
    });
    return id;
  });
  define('cancelAnimationFrame', function (id) {
    timers.delete(id);
  });
}

/** Fires the earliest timer due at or before `limit`, moving the clock to it; false when none is. */
function fireNextTimer(limit) {
  var nextId = null;
  var next = null;
  timers.forEach(function (timer, id) {
    if (timer.at <= limit && (next === null || timer.at < next.at)) {
      next = timer;
      nextId = id;
    }
  });
  if (next === null) return false;
  clock.now = Math.max(clock.now, next.at);
  if (next.repeats) next.at = clock.now + Math.max(1, next.duration);
  else timers.delete(nextId);
  next.fire();
  return true;
}

// --- blobs -----------------------------------------------------------------

var blobs = new Map();
var nextBlob = 1;
function storeBlob(text) {
  var blobId = 'blob-' + nextBlob++;
  blobs.set(blobId, text);
  return blobId;
}
function blobText(data) {
  var text = blobs.get(data.blobId);
  if (text === undefined) throw new Error('unknown blob ' + data.blobId);
  var offset = data.offset || 0;
  return text.slice(offset, data.size === undefined || data.size < 0 ? undefined : offset + data.size);
}

var BlobModule = {
  getConstants: function () {
    return { BLOB_URI_SCHEME: 'blob', BLOB_URI_HOST: null };
  },
  addNetworkingHandler: function () {},
  addWebSocketHandler: function () {},
  removeWebSocketHandler: function () {},
  sendOverSocket: function () {},
  createFromParts: function (parts, withId) {
    var text = parts
      .map(function (part) {
        return part.type === 'string' ? part.data : blobText(part.data);
      })
      .join('');
    blobs.set(withId, text);
  },
  release: function (blobId) {
    blobs.delete(blobId);
  },
};

var FileReaderModule = {
  readAsText: function (data) {
    return Promise.resolve(blobText(data));
  },
  readAsDataURL: function (data) {
    return Promise.resolve('data:' + (data.type || '') + ';base64,' + btoaUtf8(blobText(data)));
  },
};
function btoaUtf8(text) {
  return require('./codec').base64(require('./codec').utf8(text));
}

// --- networking ------------------------------------------------------------

var server = null; // set by the app: { handle(request) → { status, headers, body } }
var nextRequest = 1;
var inFlight = new Map();
var networkLog = [];

var Networking = {
  sendRequest: function (query, callback) {
    var requestId = nextRequest++;
    var body = query.data && typeof query.data.string === 'string' ? query.data.string : null;
    var request = { method: query.method, url: query.url, headers: lowerKeys(query.headers || {}), body: body };
    inFlight.set(requestId, request);
    post(function () {
      callback(requestId);
    });
    post(function () {
      if (!inFlight.has(requestId)) return;
      var response = server.handle(request);
      networkLog.push({ method: request.method, url: request.url, status: response ? response.status : 'lost' });
      if (response === null) return; // the test made this response never arrive
      inFlight.delete(requestId);
      var headers = response.headers || {};
      callJS('RCTDeviceEventEmitter', 'emit', [
        'didReceiveNetworkResponse',
        [requestId, response.status, headers, request.url],
      ]);
      var text = response.body || '';
      if (query.responseType === 'blob') {
        var blobId = storeBlob(text);
        callJS('RCTDeviceEventEmitter', 'emit', [
          'didReceiveNetworkData',
          [requestId, { blobId: blobId, offset: 0, size: text.length, type: headers['Content-Type'] || '' }],
        ]);
      } else if (text) {
        callJS('RCTDeviceEventEmitter', 'emit', ['didReceiveNetworkData', [requestId, text]]);
      }
      callJS('RCTDeviceEventEmitter', 'emit', ['didCompleteNetworkResponse', [requestId, '', false]]);
    });
  },
  abortRequest: function (requestId) {
    if (!inFlight.delete(requestId)) return;
    post(function () {
      callJS('RCTDeviceEventEmitter', 'emit', ['didCompleteNetworkResponse', [requestId, 'cancelled', false]]);
    });
  },
  clearCookies: function (callback) {
    callback(true);
  },
  addListener: function () {},
  removeListeners: function () {},
};

function lowerKeys(headers) {
  var out = {};
  Object.keys(headers).forEach(function (key) {
    out[key.toLowerCase()] = String(headers[key]);
  });
  return out;
}

// --- the rest of the native modules a release app's start-up touches ---------

var appState = 'active';
var exceptions = [];

var modules = {
  Timing: config.bridgeless ? null : Timing,
  Networking: Networking,
  BlobModule: BlobModule,
  FileReaderModule: FileReaderModule,
  PlatformConstants: {
    getConstants: function () {
      var parts = config.version.split('.');
      return {
        isTesting: false,
        isDisableAnimations: false,
        reactNativeVersion: {
          major: Number(parts[0]),
          minor: Number(parts[1]),
          patch: Number(parts[2]),
          prerelease: null,
        },
        forceTouchAvailable: false,
        osVersion: '17.4',
        systemName: 'iOS',
        interfaceIdiom: 'phone',
      };
    },
  },
  SourceCode: {
    getConstants: function () {
      return { scriptURL: 'file:///main.jsbundle' };
    },
  },
  DeviceInfo: {
    getConstants: function () {
      var window = { width: 390, height: 844, scale: 3, fontScale: 1 };
      return { Dimensions: { window: window, screen: window }, isIPhoneX_deprecated: true };
    },
  },
  AppState: {
    getConstants: function () {
      return { initialAppState: appState };
    },
    getCurrentAppState: function (success) {
      success({ app_state: appState });
    },
    addListener: function () {},
    removeListeners: function () {},
  },
  ExceptionsManager: {
    reportFatalException: function (message, stack) {
      exceptions.push({ fatal: true, message: message });
      emit('exception', { fatal: true, message: message });
    },
    reportSoftException: function (message) {
      exceptions.push({ fatal: false, message: message });
    },
    reportException: function (data) {
      exceptions.push({ fatal: data.isFatal, message: data.message });
      emit('exception', { fatal: data.isFatal, message: data.message, stack: data.originalMessage });
    },
    updateExceptionMessage: function () {},
    dismissRedbox: function () {},
  },
  Microtasks: {
    queueMicrotask: function (callback) {
      HermesInternal.enqueueJob(callback);
    },
  },
  NativePerformanceCxx: new Proxy(
    {
      now: function () {
        return clock.now - config.start;
      },
      timeOrigin: function () {
        return config.start;
      },
      getEventCounts: function () {
        return [];
      },
      getSupportedPerformanceEntryTypes: function () {
        return [];
      },
      getEntries: function () {
        return [];
      },
      getEntriesByType: function () {
        return [];
      },
      getEntriesByName: function () {
        return [];
      },
      getSimpleMemoryInfo: function () {
        return {};
      },
      getReactNativeStartupTiming: function () {
        return {};
      },
    },
    {
      // Marks, measures and observers: recorded nowhere.
      get: function (target, name) {
        return name in target ? target[name] : function () {};
      },
    },
  ),
  // Every flag at the default React Native ships (the JavaScript side holds the defaults).
  NativeReactNativeFeatureFlagsCxx: {},
  NativeMicrotasksCxx: {
    queueMicrotask: function (callback) {
      HermesInternal.enqueueJob(callback);
    },
  },
};

var missing = [];
globalThis.__turboModuleProxy = function (name) {
  var module = modules[name];
  if (!module) missing.push(name);
  return module || null;
};
globalThis.nativeModuleProxy = new Proxy(
  {},
  {
    get: function (target, name) {
      return typeof name === 'string' ? globalThis.__turboModuleProxy(name) : undefined;
    },
  },
);
if (config.bridgeless) globalThis.RN$Bridgeless = true;

var logs = [];
globalThis.nativeLoggingHook = function (message, level) {
  logs.push({ level: level, message: String(message) });
  if (config.echoLogs) CLI.print('LOG[' + level + '] ' + message);
};
globalThis.nativeFlushQueueImmediate = function () {};

// --- the API the test app drives the device with ----------------------------

/** Lets native tasks and promise jobs run until none is left. */
function settle() {
  return new Promise(function (resolve) {
    var idle = 0;
    function check() {
      if (queue.length === 0 && !scheduled) idle++;
      else idle = 0;
      if (idle >= 3) resolve();
      else CLI.setTimeout(check, 0);
    }
    CLI.setTimeout(check, 0);
  });
}

// The walk must end with done or fail. If nothing is left to run on the
// native side for a while and it hasn't, JavaScript waits on something that
// will never come: say so instead of exiting silently.
var finished = false;
var idleTicks = 0;
function watchdog() {
  if (finished) return;
  idleTicks = queue.length === 0 && !scheduled ? idleTicks + 1 : 0;
  if (idleTicks > 500) {
    emit('stall', {
      pendingTimers: Array.from(timers.values()).map(function (t) {
        return t.at - clock.now;
      }),
      network: networkLog,
      logs: logs.slice(-20),
    });
    return;
  }
  CLI.setTimeout(watchdog, 0);
}
CLI.setTimeout(watchdog, 0);

module.exports = {
  finish: function () {
    finished = true;
  },
  emit: emit,
  clock: clock,
  settle: settle,
  /** Moves the clock `ms` forward, firing every timer that falls due on the way, in order. */
  advance: function (ms) {
    var target = clock.now + ms;
    function step() {
      return settle().then(function () {
        if (fireNextTimer(target)) return step();
        clock.now = target;
        return settle();
      });
    }
    return step();
  },
  setServer: function (next) {
    server = next;
  },
  networkLog: networkLog,
  /** Pending native timers (bridge: the Timing module's; bridgeless: the runtime's). */
  pendingTimers: function () {
    return timers.size;
  },
  setAppState: function (next) {
    appState = next;
    callJS('RCTDeviceEventEmitter', 'emit', ['appStateDidChange', { app_state: next }]);
  },
  exceptions: exceptions,
  logs: logs,
  missingModules: missing,
  realDateNow: realDateNow,
  quit: function () {
    CLI.quit ? CLI.quit() : undefined;
  },
};
