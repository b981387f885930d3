//! The one error type of the IndexedDB stores (drafts, saved messages, canned responses).

use std::fmt;

use indexed_db_futures::error::{Error, OpenDbError};
use indexed_db_futures::internals::SystemRepr;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DraftError {
    /// No `window.indexedDB` (private mode in some browsers, or not in a browser).
    Unavailable,
    /// Opening or upgrading the database failed.
    Open(String),
    /// A newer version of the widget (another tab after an update) upgraded the database past
    /// the schema this code knows; a reload brings the new code.
    Outdated,
    /// Another tab holds an older version open and did not close it.
    Blocked,
    /// A transaction could not be created or did not commit (also: the connection was closed,
    /// e.g. for another tab's upgrade).
    Transaction(String),
    /// A read or write request failed.
    Request(String),
    /// A stored value had an unexpected type.
    InvalidValue,
}

impl fmt::Display for DraftError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DraftError::Unavailable => write!(f, "IndexedDB is not available"),
            DraftError::Open(e) => write!(f, "cannot open the drafts database: {e}"),
            DraftError::Outdated => write!(
                f,
                "the drafts database was upgraded by a newer version; reload the page"
            ),
            DraftError::Blocked => write!(f, "the drafts database upgrade is blocked"),
            DraftError::Transaction(e) => write!(f, "drafts transaction failed: {e}"),
            DraftError::Request(e) => write!(f, "drafts request failed: {e}"),
            DraftError::InvalidValue => write!(f, "a stored draft is not text"),
        }
    }
}

impl std::error::Error for DraftError {}

/// `"Name: message"` of a DOM exception (what the browser reports). The library's other errors
/// get a fixed text: their `Display` would bring float formatting into the wasm.
fn describe(e: &Error) -> String {
    match e {
        Error::DomException(d) => {
            let sys = d.as_sys();
            format!("{}: {}", sys.name(), sys.message())
        }
        Error::Serialisation(_) => "unexpected value".into(),
        Error::MissingData(_) => "missing data".into(),
        Error::Unknown(_) => "unknown JavaScript error".into(),
    }
}

fn is_version_error(e: &Error) -> bool {
    matches!(e, Error::DomException(d) if d.as_sys().name() == "VersionError")
}

/// For failures to create a transaction or to commit it.
pub(crate) fn transaction(e: Error) -> DraftError {
    DraftError::Transaction(describe(&e))
}

/// For failures of a single read or write.
pub(crate) fn request(e: Error) -> DraftError {
    DraftError::Request(describe(&e))
}

pub(crate) fn open(e: OpenDbError) -> DraftError {
    match e {
        OpenDbError::UnsupportedEnvironment | OpenDbError::NullFactory => DraftError::Unavailable,
        OpenDbError::Base(e) if is_version_error(&e) => DraftError::Outdated,
        OpenDbError::Base(e) => DraftError::Open(describe(&e)),
        OpenDbError::VersionZero => DraftError::Open("version 0".into()),
    }
}
