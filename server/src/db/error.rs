use std::fmt;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug)]
pub enum Error {
    Sqlite(rusqlite::Error),
    Postgres(::postgres::Error),
    /// The PostgreSQL connection's thread could not start or has stopped.
    Thread(String),
    /// A column type the store does not read (cast it in the SQL).
    Unsupported(String),
    NoColumn(usize),
    /// A PostgreSQL error and the statement that caused it.
    Statement(String, Box<Error>),
    /// `query_row` found no row (see [`OptionalExtension::optional`]).
    NoRows,
    /// A column held something the Rust type cannot hold.
    Type {
        wanted: &'static str,
        found: &'static str,
    },
    /// An integer that does not fit where it goes.
    OutOfRange(String),
    /// Where the error above happened.
    Column(usize, Box<Error>),
}

impl Error {
    pub(super) fn at_column(self, index: usize) -> Error {
        match self {
            Error::Type { .. } | Error::OutOfRange(_) => Error::Column(index, Box::new(self)),
            other => other,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Sqlite(e) => write!(f, "sqlite: {e}"),
            Error::Postgres(e) => match e.as_db_error() {
                // The server's message, detail and position, not only "db error".
                Some(db) => write!(f, "postgres: {db}"),
                // "error connecting to server" says little without its cause.
                None => match std::error::Error::source(e) {
                    Some(cause) => write!(f, "postgres: {e}: {cause}"),
                    None => write!(f, "postgres: {e}"),
                },
            },
            Error::Thread(e) => write!(f, "postgres: {e}"),
            Error::Unsupported(e) => write!(f, "postgres: {e}"),
            Error::NoColumn(i) => write!(f, "no column {i}"),
            Error::Statement(sql, e) => write!(f, "{e} (in {sql})"),
            Error::NoRows => write!(f, "query returned no rows"),
            Error::Type { wanted, found } => write!(f, "expected {wanted}, found {found}"),
            Error::OutOfRange(v) => write!(f, "integer {v} out of range"),
            Error::Column(i, e) => write!(f, "column {i}: {e}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        match e {
            rusqlite::Error::QueryReturnedNoRows => Error::NoRows,
            e => Error::Sqlite(e),
        }
    }
}

/// `query_row(..).optional()`: no row is `None` rather than an error.
pub trait OptionalExtension<T> {
    fn optional(self) -> Result<Option<T>>;
}

impl<T> OptionalExtension<T> for Result<T> {
    fn optional(self) -> Result<Option<T>> {
        match self {
            Ok(v) => Ok(Some(v)),
            Err(Error::NoRows) => Ok(None),
            Err(e) => Err(e),
        }
    }
}
