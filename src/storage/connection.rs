//! One open connection to the drafts database, shared by [`DraftStore`] and [`Lists`].
//!
//! [`DraftStore`]: super::drafts::DraftStore
//! [`Lists`]: super::saved::Lists

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use gloo_events::EventListener;
use indexed_db_futures::database::Database;
use indexed_db_futures::internals::SystemRepr;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::{Transaction, TransactionMode};
use wasm_bindgen::JsCast;
use web_sys::IdbVersionChangeEvent;

use super::error::{self, DraftError};
use super::schema::{self, DB_VERSION};

#[derive(Debug)]
pub(crate) struct Connection {
    db: Database,
    /// Closes the connection when another tab opens a newer version, so its upgrade is not
    /// blocked by this one. Removed (and its closure freed) on [`Connection::close`].
    on_version_change: RefCell<Option<EventListener>>,
}

impl Connection {
    /// Opens (creating or upgrading) the database `name`.
    pub(crate) async fn open(name: &str) -> Result<Rc<Self>, DraftError> {
        let request = Database::open(name)
            .with_version(DB_VERSION)
            .build()
            .map_err(error::open)?;
        // The request's events fire on a later turn, so listening now misses none. Our own
        // `upgradeneeded` listener rather than the library's hook: see `schema` (bundle size).
        let target = request.as_sys();
        let upgrading = target.clone();
        let _upgrade = EventListener::new(target, "upgradeneeded", move |event| {
            let old = event
                .dyn_ref::<IdbVersionChangeEvent>()
                .map_or(0.0, IdbVersionChangeEvent::old_version);
            schema::upgrade(&upgrading, old);
        });
        let blocked = Rc::new(Cell::new(false));
        let blocked_flag = blocked.clone();
        let _blocked = EventListener::new(target, "blocked", move |_| blocked_flag.set(true));
        let db = match request.await {
            Ok(db) => db,
            Err(_) if blocked.get() => return Err(DraftError::Blocked),
            Err(e) => return Err(error::open(e)),
        };
        let closing = db.clone();
        let listener = EventListener::new(db.as_sys(), "versionchange", move |_| {
            closing.as_sys().close();
        });
        Ok(Rc::new(Connection {
            db,
            on_version_change: RefCell::new(Some(listener)),
        }))
    }

    pub(crate) fn db(&self) -> &Database {
        &self.db
    }

    /// Closes the connection (again: no effect); the stores fail with a typed error afterwards.
    pub(crate) fn close(&self) {
        self.on_version_change.take();
        self.db.as_sys().close();
    }

    /// A transaction over `stores`; it rolls back unless committed.
    pub(crate) fn transaction<'a>(
        &'a self,
        stores: &[&str],
        mode: TransactionMode,
    ) -> Result<Transaction<'a>, DraftError> {
        self.db
            .transaction(stores)
            .with_mode(mode)
            .build()
            .map_err(error::transaction)
    }
}

impl Drop for Connection {
    /// The last store handle gone: an open connection nobody can use would only block upgrades.
    fn drop(&mut self) {
        self.close();
    }
}
