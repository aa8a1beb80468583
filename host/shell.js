// The WAC-shell host: embeds the built extension in an iframe and plays the
// shell's side of the SDK's postMessage RPC, so the extension runs outside
// Windows Admin Center exactly as it runs inside it. Plain browser JavaScript,
// no build step. The gateway serves this folder at `/`, the built extension
// at `/extension/` and the admin API at `/api/...` on the same origin.
//
// Query parameters (all optional): `cluster` (else the one GET /api/gateway-info names),
// `extension` (the extension's base URL, default /extension/), `path` (the
// route to open inside the extension), `debug=1` (logs every RPC message).
(function () {
  'use strict';

  /** The shell's RPC identity, as the SDK's RpcChannel expects it. */
  var SHELL_NAME = 'msft.sme.shell';
  var RPC_VERSION = '0.1.0';
  var SIGNATURE = 'version 0.0.0';
  var PACKET = { request: 0, response: 1, error: 2 };
  /** RpcForwardType: what a Forward request asks a shell service for. */
  var FORWARD = { execute: 0, notify: 1, init: 2 };
  var HCI_CONNECTION_TYPE = 'msft.sme.connection-type.hyper-converged-cluster';

  var params = new URLSearchParams(location.search);
  var debug = params.get('debug') === '1';
  var extensionBase = params.get('extension') || '/extension/';
  if (!/\/$/.test(extensionBase)) extensionBase += '/';

  var statusEl = document.getElementById('host-status');
  var signInEl = document.getElementById('host-signin');
  var clusterEl = document.getElementById('host-cluster');
  var frameEl = document.getElementById('host-frame');

  function log() {
    if (debug) console.log.apply(console, ['[host]'].concat([].slice.call(arguments)));
  }

  function showStatus(text, kind) {
    statusEl.textContent = text;
    statusEl.className = 'host-status' + (kind ? ' host-status-' + kind : '');
    statusEl.hidden = !text;
  }

  /** The gateway refused this browser (HTTP 401): it is not signed in, or its sign-in ended. */
  function NotSignedIn() {
    this.message = 'Not signed in to the remote support gateway.';
  }

  /** Shows the page that says what happened and how to sign in, instead of an empty frame. */
  function showSignIn() {
    showStatus('');
    frameEl.hidden = true;
    signInEl.hidden = false;
    document.title = 'Sign in – Remote support';
  }

  /**
   * The shell's notification center, as WAC shows it: a bell with the count
   * in the top bar, the list it opens (newest first, one entry per
   * notification id, updated in place), and a toast when a notification
   * arrives or changes state. Extensions send them with the SDK's Notify.
   */
  var NOTIFICATION_STATE = { 1: 'progress', 2: 'progress', 3: 'critical', 4: 'error', 5: 'warning', 6: 'success', 7: 'info' };
  var TOAST_MS = 8000;

  function Notifications() {
    this.items = new Map();
    this.bell = document.getElementById('host-bell');
    this.count = document.getElementById('host-bell-count');
    this.panel = document.getElementById('host-notifications');
    this.list = document.getElementById('host-notification-list');
    this.empty = document.getElementById('host-notifications-empty');
    this.toasts = document.getElementById('host-toasts');
    var self = this;
    this.bell.addEventListener('click', function () { self.toggle(); });
    document.addEventListener('keydown', function (e) {
      if (e.key === 'Escape' && !self.panel.hidden) { self.toggle(false); self.bell.focus(); }
    });
    this.render();
  }

  Notifications.prototype.toggle = function (open) {
    var show = open === undefined ? this.panel.hidden : open;
    this.panel.hidden = !show;
    this.bell.setAttribute('aria-expanded', String(show));
  };

  /** Adds or updates a notification (the RpcNotification the SDK sends: id, state, title, message, timestamp). */
  Notifications.prototype.notify = function (data) {
    if (!data || !data.id) return;
    var state = NOTIFICATION_STATE[data.state] || 'info';
    var title = data.title || data.message || '';
    var message = data.title ? (data.message || '') : '';
    var before = this.items.get(data.id);
    var item = { id: String(data.id), state: state, title: title, message: message, at: data.timestamp || Date.now() };
    this.items.delete(item.id);
    this.items.set(item.id, item);
    this.render();
    if (!before || before.state !== state) this.toast(item);
  };

  Notifications.prototype.render = function () {
    var all = Array.from(this.items.values()).reverse();
    this.count.textContent = String(all.length);
    this.bell.setAttribute('aria-label', 'Notifications, ' + all.length);
    this.empty.hidden = all.length > 0;
    this.list.textContent = '';
    for (var i = 0; i < all.length; i++) {
      var li = document.createElement('li');
      li.className = 'host-notification host-state-' + all[i].state;
      li.setAttribute('data-testid', 'notification');
      li.setAttribute('data-notification-id', all[i].id);
      li.setAttribute('data-state', all[i].state);
      fill(li, all[i]);
      var time = document.createElement('time');
      time.dateTime = new Date(all[i].at).toISOString();
      time.textContent = new Date(all[i].at).toLocaleString();
      li.appendChild(time);
      this.list.appendChild(li);
    }
  };

  Notifications.prototype.toast = function (item) {
    var toasts = this.toasts;
    var el = document.createElement('div');
    el.className = 'host-toast host-state-' + item.state;
    el.setAttribute('data-testid', 'notification-toast');
    el.setAttribute('data-notification-id', item.id);
    el.setAttribute('data-state', item.state);
    var body = document.createElement('div');
    fill(body, item);
    el.appendChild(body);
    var close = document.createElement('button');
    close.type = 'button';
    close.textContent = '×';
    close.setAttribute('aria-label', 'Dismiss notification');
    close.addEventListener('click', function () { el.remove(); });
    el.appendChild(close);
    // A newer toast for the same notification replaces the older one.
    var old = toasts.querySelector('[data-notification-id="' + CSS.escape(item.id) + '"]');
    if (old) old.remove();
    toasts.appendChild(el);
    setTimeout(function () { el.remove(); }, TOAST_MS);
  };

  function fill(el, item) {
    var strong = document.createElement('strong');
    strong.textContent = item.title;
    el.appendChild(strong);
    if (item.message) {
      var p = document.createElement('p');
      p.textContent = item.message;
      el.appendChild(p);
    }
  }

  var notifications = new Notifications();

  /**
   * Reads what the gateway serves (GET /api/gateway-info): its cluster (unless
   * ?cluster= names one) and how the extension reaches it, `wacTransport`:
   * `direct` (the admin API) or `powershell` (the module through the SDK's
   * PowerShell API, which the gateway then stands in for).
   */
  function loadGatewayInfo() {
    var fromQuery = params.get('cluster');
    return fetch('/api/gateway-info', { credentials: 'same-origin', headers: { accept: 'application/json' } }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (body) {
        if (r.status === 401) throw new NotSignedIn();
        if (!r.ok) {
          if (fromQuery) return { cluster: fromQuery, wacTransport: 'direct' };
          var message = body && body.error && body.error.message ? body.error.message : 'HTTP ' + r.status;
          throw new Error('The gateway did not say which cluster it serves (' + message + ').');
        }
        if (!fromQuery && (!body || typeof body.cluster !== 'string' || !body.cluster)) throw new Error('The gateway answered /api/gateway-info without a cluster name.');
        return { cluster: fromQuery || body.cluster, wacTransport: body.wacTransport === 'powershell' ? 'powershell' : 'direct' };
      });
    }, function (error) {
      if (error instanceof NotSignedIn) throw error;
      if (fromQuery) return { cluster: fromQuery, wacTransport: 'direct' };
      throw error;
    });
  }

  /** Reads the extension's manifest, for the module's name and version. */
  function loadManifest() {
    return fetch(extensionBase + 'manifest.json', { credentials: 'same-origin' }).then(function (r) {
      if (!r.ok) throw new Error('The extension is not built or not served at ' + extensionBase + ' (manifest.json: HTTP ' + r.status + '). Run npm run build:extension.');
      return r.json();
    });
  }

  /**
   * One embedded extension and the shell's half of its RPC conversation.
   */
  function ShellSession(frame, module, cluster, wacTransport) {
    this.frame = frame;
    this.module = module;
    this.cluster = cluster;
    this.wacTransport = wacTransport;
    this.subName = 'main#' + Date.now() + '+0';
    // Messages go only to, and are taken only from, the extension's own origin (the gateway's).
    this.origin = new URL(extensionBase, location.href).origin;
    this.sequence = 0;
    this.pending = new Map();
    this.connection = {
      id: HCI_CONNECTION_TYPE + '!' + cluster,
      type: HCI_CONNECTION_TYPE,
      name: cluster,
      properties: {},
      tags: [],
    };
    this.onMessage = this.onMessage.bind(this);
  }

  ShellSession.prototype.target = function () {
    return this.frame.contentWindow;
  };

  ShellSession.prototype.packet = function (command, data, type, sequence) {
    return {
      command: command,
      version: RPC_VERSION,
      data: data,
      srcName: SHELL_NAME,
      srcSubName: '##',
      srcDepth: 0,
      destName: this.module.name,
      destSubName: this.subName,
      signature: SIGNATURE,
      sequence: sequence,
      type: type,
    };
  };

  /** Sends a request and resolves with the extension's answer (rejects on an error packet or timeout). */
  ShellSession.prototype.request = function (command, data, timeoutMs) {
    var self = this;
    var sequence = this.sequence++;
    return new Promise(function (resolve, reject) {
      var timer = setTimeout(function () {
        self.pending.delete(sequence);
        reject(new Error(command + ' got no answer from the extension'));
      }, timeoutMs || 15000);
      self.pending.set(sequence, { resolve: resolve, reject: reject, timer: timer });
      log('→', command, data);
      self.target().postMessage(self.packet(command, data, PACKET.request, sequence), self.origin);
    });
  };

  ShellSession.prototype.reply = function (message, data, type) {
    var answer = this.packet(message.command, data, type, message.sequence);
    answer.destSubName = message.srcSubName;
    log('↩', message.command, data);
    this.target().postMessage(answer, this.origin);
  };

  ShellSession.prototype.onMessage = function (event) {
    if (event.source !== this.target() || event.origin !== this.origin) return;
    var message = event.data;
    if (!message || typeof message !== 'object' || !message.command || message.signature !== SIGNATURE) return;
    if (message.type === PACKET.response || message.type === PACKET.error) {
      var waiting = this.pending.get(message.sequence);
      if (!waiting) return;
      this.pending.delete(message.sequence);
      clearTimeout(waiting.timer);
      if (message.type === PACKET.response) waiting.resolve(message.data);
      else waiting.reject(new Error(typeof message.data === 'string' ? message.data : (message.data && message.data.message) || message.command + ' failed'));
      return;
    }
    log('←', message.command, message.data);
    var self = this;
    Promise.resolve()
      .then(function () { return self.handle(message.command, message.data || {}); })
      .then(function (data) { self.reply(message, data, PACKET.response); },
        function (error) { self.reply(message, { message: String(error && error.message || error) }, PACKET.error); });
  };

  /** Answers the requests an extension sends up to the shell. */
  ShellSession.prototype.handle = function (command, data) {
    switch (command) {
      case 'Forward':
        return this.forward(data);
      case 'Failed':
        showStatus('The extension reported a failure: ' + (data.message || JSON.stringify(data)), 'error');
        return {};
      case 'Seek':
        return { name: data.sourceName, subName: data.sourceSubName };
      case 'Notification': // the SDK's RpcNotificationKey: appContext.notification.notify()
        notifications.notify(data);
        return {};
      default:
        // Log, Telemetry, Report (the route it shows), Alive and the rest need no answer but an ack.
        return {};
    }
  };

  /** The shell's services that an extension's services mirror (forward init / execute / notify). */
  ShellSession.prototype.forward = function (data) {
    if (data.type !== FORWARD.init) return { result: null };
    switch (data.service) {
      case 'gateway-connection':
        // The admin API is served on this page's origin: {gateway}/api/nodes/{cluster}/features/remoteSupport/...
        return { result: { gatewayName: location.origin, gatewayUrlSpecified: true, staticVersion: null } };
      case 'connection-manager':
        return { result: { connections: [this.connection], activeConnection: this.connection } };
      case 'authorization-manager':
        // No per-node tokens: the gateway authenticates the browser by its session cookie.
        return { result: { manageAsToken: null, nodeTokens: {}, nodePowershellEndpoints: {}, signOnToken: null } };
      default:
        return { result: {} };
    }
  };

  ShellSession.prototype.initData = function () {
    var locale = (navigator.language || 'en-US');
    return {
      entryPointType: 'tool',
      entryPointName: 'main',
      locale: 'en',
      localeRegional: /^[a-z]{2}-[A-Z]{2}$/.test(locale) ? locale : 'en-US',
      lib: {},
      sessionId: (crypto.randomUUID ? crypto.randomUUID() : String(Date.now())),
      modules: [{ name: SHELL_NAME, version: '0.0.0' }, { name: this.module.name, version: this.module.version || '0.0.0' }],
      theme: 'light',
      sessionExpiration: 0,
      performanceProfile: false,
      // The shell's theme stylesheets: none to add, the extension bundles the SDK's own.
      assets: { css: [], cssV2: [] },
      moduleAssets: {},
      accessibilityMode: false,
      consoleDebug: debug ? 4 : 0,
      sideLoad: {},
      // A real WAC serves no admin API: the extension then uses the PowerShell transport. This gateway serves it
      // itself unless it runs with --wac-transport powershell (spec section 5: '<module name>.direct-gateway-api').
      experiments: this.wacTransport === 'powershell' ? [] : [this.module.name + '.direct-gateway-api'],
      connectivityLevel: 'Online',
      shellVersion: '0.0.0',
      gatewayApiVersion: '1.0.0',
      gatewayPlatform: 'node',
    };
  };

  /** Ping until the extension answers, then Init, Open (repeated while in progress) and Activate. */
  ShellSession.prototype.start = function (path) {
    var self = this;
    window.addEventListener('message', this.onMessage);
    return this.ping(120).then(function () {
      return self.request('Init', self.initData());
    }).then(function () {
      return self.open(path, 40);
    }).then(function () {
      return self.request('Activate', { url: path });
    });
  };

  ShellSession.prototype.ping = function (tries) {
    var self = this;
    return new Promise(function (resolve, reject) {
      var sequence = self.sequence++;
      var left = tries;
      var timer = setInterval(function () {
        if (--left < 0) {
          clearInterval(timer);
          self.pending.delete(sequence);
          reject(new Error('The extension did not answer (is it built? see ' + extensionBase + ')'));
          return;
        }
        self.target().postMessage(self.packet('Ping', {}, PACKET.request, sequence), self.origin);
      }, 250);
      self.pending.set(sequence, {
        resolve: function (data) { clearInterval(timer); resolve(data); },
        reject: function (e) { clearInterval(timer); reject(e); },
        timer: null,
      });
    });
  };

  ShellSession.prototype.open = function (path, tries) {
    var self = this;
    return this.request('Open', { path: path }, 30000).then(function (result) {
      // RpcOpenState: 0 opened, 1 failed, 2 in progress (ask again).
      if (result && result.state === 2 && tries > 0) return self.open(path, tries - 1);
      if (result && result.state === 1) throw new Error('The extension could not open ' + (path || 'its home page') + ': ' + (result.error || 'unknown error'));
      return result;
    });
  };

  function main() {
    showStatus('Loading…');
    Promise.all([loadGatewayInfo(), loadManifest()]).then(function (values) {
      var cluster = values[0].cluster;
      var manifest = values[1];
      clusterEl.textContent = cluster;
      document.title = cluster + ' – Remote support';
      var session = new ShellSession(frameEl, { name: manifest.name, version: manifest.version }, cluster, values[0].wacTransport);
      window.__wacHost = { session: session, cluster: cluster, module: manifest.name, wacTransport: values[0].wacTransport };
      frameEl.addEventListener('load', function onLoad() {
        frameEl.removeEventListener('load', onLoad);
        session.start(params.get('path') || '').then(function () {
          showStatus('');
          document.body.setAttribute('data-host-state', 'ready');
        }, function (error) {
          showStatus(error.message, 'error');
          document.body.setAttribute('data-host-state', 'failed');
        });
      });
      frameEl.src = extensionBase;
    }).catch(function (error) {
      document.body.setAttribute('data-host-state', 'failed');
      if (error instanceof NotSignedIn) return showSignIn();
      showStatus(error.message + ' Sign in with the one-time link the gateway printed (npx remote-support login-link makes a new one), or open this page with ?cluster=<name>.', 'error');
      document.body.setAttribute('data-host-state', 'failed');
    });
  }

  main();
})();
