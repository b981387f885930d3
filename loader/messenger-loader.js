// messenger-loader.js: the one script a portal page includes (issue 10 contract §4).
// It draws the launcher with the unread badge at once, keeps the count current with a
// long-poll that one tab per browser runs, and loads the widget (wasm) only when it is
// needed: on a click, when a notification arrives, on idle or at once (`preload`).
// `cargo xtask build` puts the hashed file names in and minifies it (budget: 5 KB gzip).
// Plain modern JS, no dependencies; no inline style (CSP style-src 'self'): the launcher's
// CSS is a constructable stylesheet in its own shadow root.
(() => {
  const JS = '__MW_JS__';
  const WASM = '__MW_WASM__';
  const CSS = '__MW_CSS__';
  const w = window;
  const d = document;
  const queued = w.Messenger;
  if (queued && queued.loaded) return;
  const script = d.currentScript;
  const ORIGIN = script ? new URL(script.src, location.href).origin : location.origin;
  const COMMANDS = ['open', 'close', 'toggle', 'openConversation', 'setLocale', 'setTheme', 'setCounters', 'shutdown'];
  const LAUNCHER_CSS = `:host{all:initial!important;display:block!important}
:host(.in){width:100%!important;height:100%!important}
.b{all:initial;position:fixed;z-index:2147483000;width:56px;height:56px;border-radius:50%;background:#2563eb;color:#fff;cursor:pointer;display:grid;place-items:center;box-shadow:0 4px 14px #0004}
.b:focus-visible{outline:3px solid #93c5fd;outline-offset:2px}
.b svg{width:28px;height:28px;fill:currentColor}
.n{position:absolute;top:-4px;right:-4px;min-width:20px;height:20px;padding:0 6px;box-sizing:border-box;border-radius:10px;background:#dc2626;color:#fff;font:700 12px/20px system-ui,sans-serif;text-align:center}
.n[hidden],.b[hidden]{display:none}
.p{position:fixed;z-index:2147483000;width:0;height:0;font:16px/1.4 system-ui,sans-serif;color:#111}
.p.o{width:min(380px,calc(100vw - 24px));height:min(600px,calc(100vh - 104px));background:#fff;border-radius:12px;box-shadow:0 8px 32px #0004;overflow:hidden}
.p.o.w:after{content:"";position:absolute;inset:calc(50% - 16px) calc(50% - 16px);border:3px solid #cbd5e1;border-top-color:#2563eb;border-radius:50%;animation:s 1s linear infinite}
@keyframes s{to{transform:rotate(1turn)}}
.p>div{width:100%;height:100%}
.in .p{position:relative;width:100%;height:100%}
.r{right:16px}.l{left:16px}.bo{bottom:16px}.to{top:16px}
.p.bo{bottom:84px}.p.to{top:84px}
@media (max-width:420px){.p.o{right:12px;left:12px;width:auto}}`;
  const ICON = '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z"/></svg>';

  const listeners = {};
  let opts = null; // boot options; null until boot (or after shutdown)
  let server = ORIGIN;
  let userKey = '';
  let tokenP = null; // Promise of the session token (or null: the widget shows its sign-in)
  let host, root, button, badge, panel, mountEl;
  let isOpen = false;
  let mod = null; // the widget's module once it is mounted
  let loading = null;
  let pending = []; // [name, arg, resolve] received before the widget was mounted
  let wanted = false; // a command before boot needs the widget
  let counts = null;
  let widgetLive = false; // the widget's count has taken over from the poll
  let pollStop = null;
  let channel = null;

  const ls = (k, v) => {
    try {
      if (v === undefined) return localStorage.getItem(k);
      v === null ? localStorage.removeItem(k) : localStorage.setItem(k, v);
    } catch {
      // Storage refused (privacy mode): the count is simply not remembered.
    }
  };
  const ready = (f) => (d.body ? f() : d.addEventListener('DOMContentLoaded', f, { once: true }));

  function emit(name, detail) {
    for (const f of (listeners[name] || []).slice()) {
      try {
        f(detail);
      } catch (e) {
        console.error(e);
      }
    }
    w.dispatchEvent(new CustomEvent('messenger:' + name, { detail }));
  }

  // One place for every count, wherever it came from (poll, another tab, the widget, the
  // cache). The badge and the title show `total`: unread messages (each message from someone
  // else once, as the sidebar counts them) plus unread notifications, as /api/unread and the
  // widget's `unread` event both define it. `unknown`: nothing counted yet (an empty cache):
  // the badge and title stay bare and the host hears nothing, not a 0 nobody counted.
  // "(3) Intranet": the page title leads with the unread count, bare at 0.
  function setTitle(n) {
    const base = d.title.replace(/^\(\d+\) /, '');
    d.title = n ? `(${n}) ${base}` : base;
  }

  function setUnread(c, fromOtherTab, unknown) {
    const n = { messages: c.messages | 0, notifications: c.notifications | 0, channels: c.channels | 0 };
    n.total = n.messages + n.notifications;
    if (counts && JSON.stringify(counts) === JSON.stringify(n)) return;
    const grew = counts && n.notifications > counts.notifications;
    // An unknown count never equals a real one, so the first real count is always told.
    counts = unknown ? { ...n, unknown } : n;
    if (badge) {
      badge.hidden = !n.total;
      badge.textContent = n.total > 99 ? '99+' : n.total;
    }
    setTitle(n.total);
    if (unknown) return;
    // What another tab sent or the cache held is already stored.
    if (!fromOtherTab) {
      ls('mw-unread:' + userKey, JSON.stringify(n));
      channel?.postMessage([userKey, n]);
    }
    emit('unread', n);
    // A notification must be shown: the widget shows its toast or dialog.
    if (grew) load();
  }

  function decodeSub(jwt) {
    const part = jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    return JSON.parse(atob(part)).sub;
  }

  // The session token: `token` as given, or the portal's JWT exchanged once per user and
  // kept (localStorage, by server and the JWT's `sub`); `renew` exchanges again after a 401.
  async function session(renew) {
    if (opts.token) return renew ? null : opts.token;
    const id = opts.identity;
    if (!id) return null;
    const jwt = typeof id === 'function' ? await id() : id;
    const sub = decodeSub(jwt);
    ls('mw-user:' + server, sub);
    if (server + ':' + sub !== userKey) {
      userKey = server + ':' + sub;
      showCached();
    }
    const key = 'mw-session:' + userKey;
    if (!renew && ls(key)) return ls(key);
    const r = await fetch(server + '/api/portal-login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ token: jwt }),
    });
    const body = await r.json().catch(() => ({}));
    if (!r.ok) throw new Error(`Messenger: portal sign-in refused (${body.code || r.status}): ${body.message || ''}`);
    ls(key, body.token);
    // The widget keeps its outbox and local copy per user: it needs to know whose token.
    ls(key + ':id', String(body.user_id));
    return body.token;
  }

  // The count last seen in this browser for this user, shown at once on a new page.
  function showCached() {
    const c = ls('mw-unread:' + userKey);
    counts = null;
    setUnread(JSON.parse(c || '{}'), true, !c);
  }

  // GET /api/unread as a long-poll, in the one tab that holds the lock; it ends in a tab once
  // its widget reports a count itself, and the lock passes on.
  function poll() {
    const ctl = new AbortController();
    pollStop = () => ctl.abort();
    const loop = async () => {
      let version = null;
      let fails = 0;
      let token = await tokenP;
      while (token && !ctl.signal.aborted) {
        try {
          const after = version === null ? '' : '&after=' + version;
          const r = await fetch(`${server}/api/unread?wait_ms=25000${after}`, {
            headers: { Authorization: 'Bearer ' + token },
            signal: ctl.signal,
          });
          if (r.status === 401) {
            ls('mw-session:' + userKey, null);
            // A given token or a used JWT cannot be renewed: the poll ends.
            token = await (tokenP = session(true).catch(() => null));
            continue;
          }
          if (!r.ok) throw new Error(r.status);
          const c = await r.json();
          version = c.version;
          setUnread(c);
          fails = 0;
        } catch {
          if (ctl.signal.aborted) return;
          await new Promise((f) => setTimeout(f, Math.min(30000, 1000 * 2 ** fails++)));
        }
      }
    };
    const name = 'mw-unread:' + server;
    (navigator.locks ? navigator.locks.request(name, { signal: ctl.signal }, loop) : loop()).catch(() => {});
  }

  function setOpen(open) {
    isOpen = open;
    button?.setAttribute('aria-expanded', open);
    panel?.classList.toggle('o', open || mode() === 'inline');
  }

  const mode = () => (opts && opts.mode) || 'floating';

  function draw(el) {
    host = d.createElement('mw-host');
    root = host.attachShadow({ mode: 'open' });
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(LAUNCHER_CSS);
    root.adoptedStyleSheets = [sheet];
    const pos = (opts.position || 'bottom-right').split('-');
    const at = (pos[0] === 'top' ? 'to ' : 'bo ') + (pos[1] === 'left' ? 'l' : 'r');
    const inline = mode() === 'inline';
    if (inline) host.className = 'in';
    root.innerHTML = (inline ? '' : `<button class="b ${at}" type="button" aria-label="Open messenger" aria-expanded="false">${ICON}<span class="n" data-testid="launcher-badge" aria-hidden="true" hidden></span></button>`) + `<div class="p w ${inline ? '' : at}" data-testid="launcher-panel"><div></div></div>`;
    button = root.querySelector('button');
    badge = root.querySelector('.n');
    panel = root.querySelector('.p');
    mountEl = panel.firstChild;
    button?.addEventListener('click', () => command('toggle'));
    setOpen(inline || isOpen);
    let container = inline ? opts.container : el;
    if (typeof container === 'string') container = d.querySelector(container);
    (container || d.body).append(host);
  }

  function boot(o) {
    if (opts) return console.warn('Messenger: already booted');
    opts = { ...o };
    server = (opts.server || ORIGIN).replace(/\/$/, '');
    const sub = typeof opts.identity === 'string' ? decodeSub(opts.identity) : ls('mw-user:' + server);
    userKey = server + ':' + (opts.token ? 'token:' + opts.token.slice(-12) : sub || '');
    ready(() => {
      if (!opts) return;
      draw(opts.el);
      showCached();
    });
    channel = new BroadcastChannel('mw-unread:' + server);
    channel.onmessage = ({ data: [key, n] }) => key === userKey && setUnread(n, true);
    tokenP = session().catch((e) => {
      console.error(e);
      emit('error', { message: e.message });
      return null;
    });
    poll();
    const preload = opts.preload || 'idle';
    if (preload === 'now' || mode() === 'inline' || wanted) ready(load);
    else if (preload === 'idle') {
      const idle = () => (w.requestIdleCallback || setTimeout)(load, { timeout: 3000 });
      d.readyState === 'complete' ? idle() : w.addEventListener('load', idle, { once: true });
    }
  }

  // The widget: its js and wasm fetched in parallel, its css linked in the shadow root, then
  // mounted in the panel; the commands received meanwhile are replayed in order.
  function load() {
    if (!opts) return void (wanted = true);
    return (loading ||= (async () => {
      const wasm = fetch(`${server}/${WASM}`);
      const link = d.createElement('link');
      link.rel = 'stylesheet';
      link.href = `${server}/${CSS}`;
      const css = new Promise((f) => (link.onload = link.onerror = f));
      await new Promise(ready);
      root.prepend(link);
      const [m, token] = await Promise.all([import(`${server}/${JS}`), tokenP]);
      await m.default({ module_or_path: wasm });
      await css;
      if (!opts) return;
      const { identity, position, container, preload, el, ...rest } = opts;
      const userId = opts.userId ?? (Number(ls('mw-session:' + userKey + ':id')) || undefined);
      m.mountMessenger(mountEl, { ...rest, server, token, userId, mode: mode(), open: mode() === 'inline', onEvent });
      mod = m;
      panel.classList.remove('w');
      const replay = pending;
      pending = [];
      for (const [name, arg, done] of replay) done(command(name, arg));
    })().catch((e) => {
      // Offline or a failed deploy: the next click tries again.
      loading = null;
      console.error(e);
    }));
  }

  function onEvent(name, detail) {
    // The widget's own count takes over from the poll (and the lock passes to another tab)
    // once it is live. Before that it is the count of the copy the widget stored, maybe
    // older than the one shown: it fills in only where nothing was counted, so the badge
    // never steps back to a count the poll already passed.
    if (name === 'unread') {
      if (detail.live) widgetLive = true, pollStop?.();
      else if (!widgetLive && counts && !counts.unknown) return;
      return setUnread(detail);
    }
    if (name === 'opened' || name === 'closed') setOpen(name === 'opened');
    if (name === 'signedOut') ended();
    emit(name, detail);
  }

  // After shutdown or sign-out: nothing of this user stays on the page or in storage.
  function ended() {
    pollStop?.();
    try {
      mod?.unmountMessenger(mountEl);
    } catch {
      // Already unmounted by its own shutdown.
    }
    ls('mw-session:' + userKey, null);
    ls('mw-session:' + userKey + ':id', null);
    ls('mw-unread:' + userKey, null);
    setTitle(0);
    channel?.close();
    host?.remove();
    opts = mod = loading = counts = host = button = badge = panel = null;
    widgetLive = false;
  }

  function command(name, arg) {
    if (!opts && name === 'shutdown') return Promise.resolve();
    if (name === 'toggle') name = isOpen ? 'close' : 'open';
    if (name === 'open' || name === 'close' || name === 'openConversation') setOpen(name !== 'close');
    if (mod) {
      try {
        return mod.messengerCommand(mountEl, name, arg);
      } catch (e) {
        return console.error(e);
      }
    }
    const done = new Promise((f) => pending.push([name, arg, f]));
    if (name !== 'close' && !name.startsWith('set')) load();
    return done;
  }

  function run(item) {
    const [name, a, b] = item;
    if (name === 'boot') return boot(a || {});
    if (name === 'on') return void (listeners[a] ||= []).push(b);
    if (name === 'off') return void (listeners[a] = (listeners[a] || []).filter((f) => f !== b));
    if (!COMMANDS.includes(name)) return console.warn('Messenger: unknown command', name);
    return command(name, a);
  }

  w.Messenger = { loaded: true, push: (...items) => items.map(run).pop() };

  // The standalone app: every [data-messenger-autostart] element, claimed before the wasm
  // starts (its start() leaves claimed elements alone) and mounted here with the page's
  // events, so the title counts unread messages as on a portal page.
  ready(async () => {
    const els = [...d.querySelectorAll('[data-messenger-autostart]')];
    if (!els.length) return;
    for (const el of els) el.setAttribute('data-messenger-claimed', '');
    const m = await import(`${ORIGIN}/${JS}`);
    const wasm = await m.default({ module_or_path: fetch(`${ORIGIN}/${WASM}`) });
    // The name trunk's own start script used: the benchmark reads the wasm memory from it.
    w.dispatchEvent(new CustomEvent('TrunkApplicationStarted', { detail: { wasm } }));
    const onEvent = (name, detail) => {
      if (name === 'unread') setTitle((detail.messages | 0) + (detail.notifications | 0));
      if (name === 'signedOut') setTitle(0);
      emit(name, detail);
    };
    for (const el of els) {
      const data = el.dataset;
      m.mountMessenger(el, { server: data.server, token: data.token, locale: data.locale, dbName: data.dbName, onEvent });
    }
  });

  customElements.define(
    'messenger-widget',
    class extends HTMLElement {
      connectedCallback() {
        const a = (n) => this.getAttribute(n) || undefined;
        const url = a('identity-url');
        const identity = url && (() => fetch(url, { credentials: 'include' }).then((r) => (r.ok ? r.text() : Promise.reject(new Error('Messenger: identity-url answered ' + r.status)))));
        boot({ server: a('server'), token: a('token'), identity, locale: a('locale'), theme: a('theme'), mode: a('mode'), position: a('position'), preload: a('preload'), container: this, el: this });
      }
    },
  );

  for (const item of Array.isArray(queued) ? queued : []) run(item);
})();
