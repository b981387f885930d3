//! The browser side of "one connection per browser": a Web Lock elects the leader tab and a
//! BroadcastChannel carries [`TabMsg`]s between the tabs of one user.
//!
//! The lock is held for as long as the tab lives (the browser releases it when the tab
//! closes or crashes, and the next waiting tab gets it at once). Without Web Locks (an old
//! browser, an insecure page) every tab leads its own connection, as before.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{BroadcastChannel, MessageEvent};

use crate::core::tabs::TabMsg;

#[wasm_bindgen]
extern "C" {
    /// `navigator.locks` (web-sys has it only behind its unstable-API flag).
    type LockManager;
    #[wasm_bindgen(method, js_name = request)]
    fn request_with_options(
        this: &LockManager,
        name: &str,
        options: &JsValue,
        callback: &js_sys::Function,
    ) -> js_sys::Promise;
}

type LockCallback = Closure<dyn FnMut(JsValue) -> JsValue>;

struct Inner {
    channel: Option<BroadcastChannel>,
    _on_message: Option<Closure<dyn FnMut(MessageEvent)>>,
    _lock_granted: Option<LockCallback>,
    _lock_failed: Option<Closure<dyn FnMut(JsValue)>>,
    /// Resolving it releases the lock.
    release: Rc<RefCell<Option<js_sys::Function>>>,
    /// Aborts the lock request while still waiting for it.
    abort: Option<web_sys::AbortController>,
}

/// This tab's membership of the group. Dropping it does not leave: call [`Tabs::stop`].
#[derive(Clone)]
pub struct Tabs {
    inner: Rc<RefCell<Inner>>,
}

impl Tabs {
    /// Joins the group `name`: `on_message` gets what the other tabs post, `on_leader` runs
    /// once, when this tab becomes the leader.
    pub fn start(
        name: &str,
        on_message: impl Fn(TabMsg) + 'static,
        on_leader: impl FnOnce() + 'static,
    ) -> Tabs {
        let channel = BroadcastChannel::new(name).ok();
        let on_message = channel.as_ref().map(|ch| {
            let closure = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
                if let Some(msg) = ev.data().as_string().as_deref().and_then(TabMsg::decode) {
                    on_message(msg);
                }
            });
            ch.set_onmessage(Some(closure.as_ref().unchecked_ref()));
            closure
        });
        let release = Rc::new(RefCell::new(None));
        let mut inner = Inner {
            channel,
            _on_message: on_message,
            _lock_granted: None,
            _lock_failed: None,
            release: release.clone(),
            abort: None,
        };
        let locks = web_sys::window()
            .map(|w| w.navigator())
            .and_then(|n| js_sys::Reflect::get(&n, &"locks".into()).ok())
            .filter(|l| !l.is_undefined() && !l.is_null());
        let mut on_leader = Some(on_leader);
        match locks {
            Some(locks) => {
                let granted: LockCallback = Closure::new(move |_lock: JsValue| {
                    let mut keep = None;
                    let held = js_sys::Promise::new(&mut |resolve, _| keep = Some(resolve));
                    *release.borrow_mut() = keep;
                    if let Some(f) = on_leader.take() {
                        f();
                    }
                    held.into()
                });
                let abort = web_sys::AbortController::new().ok();
                let options = js_sys::Object::new();
                if let Some(a) = &abort {
                    let _ = js_sys::Reflect::set(&options, &"signal".into(), &a.signal());
                }
                let locks: LockManager = locks.unchecked_into();
                let request = locks.request_with_options(
                    &format!("{name}:leader"),
                    &options,
                    granted.as_ref().unchecked_ref(),
                );
                // Aborted on stop: not an error worth a console line.
                let failed = Closure::<dyn FnMut(JsValue)>::new(|_| {});
                let _ = request.catch(&failed);
                inner._lock_granted = Some(granted);
                inner._lock_failed = Some(failed);
                inner.abort = abort;
            }
            None => {
                if let Some(f) = on_leader.take() {
                    f();
                }
            }
        }
        Tabs {
            inner: Rc::new(RefCell::new(inner)),
        }
    }

    /// Posts to every other tab of the group.
    pub fn post(&self, msg: &TabMsg) {
        if let Some(ch) = &self.inner.borrow().channel {
            let _ = ch.post_message(&JsValue::from_str(&msg.encode()));
        }
    }

    /// Leaves the group: closes the channel and releases (or stops waiting for) the lock.
    pub fn stop(&self) {
        let mut inner = self.inner.borrow_mut();
        if let Some(ch) = inner.channel.take() {
            ch.set_onmessage(None);
            ch.close();
        }
        if let Some(a) = inner.abort.take() {
            a.abort();
        }
        let release = inner.release.borrow_mut().take();
        if let Some(resolve) = release {
            let _ = resolve.call0(&JsValue::NULL);
        }
    }
}
