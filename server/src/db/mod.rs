//! One connection type over SQLite or PostgreSQL, with the method surface of rusqlite the
//! store's queries were written against: `prepare_cached(sql)?.execute(params![..])`,
//! `query_row`, `query_map`, `Row::get`, `optional()`, `execute_batch`, transactions.
//!
//! Statements use `?1`-style placeholders and a SQL subset both databases run the same
//! way; the PostgreSQL backend only renumbers the placeholders.

mod error;
mod parameters;
mod postgres;
mod sqlite;
#[cfg(test)]
mod tests;
mod value;

pub use error::{Error, OptionalExtension, Result};
pub use parameters::Params;
pub use value::{FromSql, ToSql, Value, ValueRef};

use std::cell::Cell;
use std::path::Path;

/// Which database a statement runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// `params![a, b]`: the statement's parameters, `?1` first.
macro_rules! params {
    () => {
        &[] as &[&dyn $crate::db::ToSql]
    };
    ($($param:expr),+ $(,)?) => {
        &[$(&$param as &dyn $crate::db::ToSql),+] as &[&dyn $crate::db::ToSql]
    };
}
pub(crate) use params;

pub struct Connection {
    inner: Inner,
}

enum Inner {
    Sqlite(rusqlite::Connection),
    Postgres {
        client: postgres::Client,
        /// Between BEGIN and COMMIT/ROLLBACK sent through `execute_batch`.
        in_transaction: Cell<bool>,
    },
}

/// Whether `sql` names a PostgreSQL server rather than a SQLite file.
pub fn is_postgres_url(sql: &str) -> bool {
    sql.starts_with("postgres://") || sql.starts_with("postgresql://")
}

fn owned(values: &[&dyn ToSql]) -> Result<Vec<Value>> {
    values
        .iter()
        .map(|v| v.to_sql().map(ValueRef::to_owned))
        .collect()
}

impl Connection {
    /// Opens (creating if missing) the SQLite file at `path`, with the settings the server
    /// runs with.
    pub fn open_sqlite(path: &Path) -> Result<Connection> {
        Ok(Connection {
            inner: Inner::Sqlite(sqlite::open(path)?),
        })
    }

    /// Connects to the PostgreSQL server at `url` (`postgres://user@host:port/db`).
    pub fn connect_postgres(url: &str) -> Result<Connection> {
        Ok(Connection {
            inner: Inner::Postgres {
                client: postgres::Client::connect(url)?,
                in_transaction: Cell::new(false),
            },
        })
    }

    pub fn backend(&self) -> Backend {
        match &self.inner {
            Inner::Sqlite(_) => Backend::Sqlite,
            Inner::Postgres { .. } => Backend::Postgres,
        }
    }

    /// A statement prepared once per connection and reused from then on.
    pub fn prepare_cached(&self, sql: &str) -> Result<Statement<'_>> {
        match &self.inner {
            Inner::Sqlite(conn) => Ok(Statement {
                inner: StatementInner::Sqlite(conn.prepare_cached(sql)?),
            }),
            Inner::Postgres { client, .. } => Ok(Statement {
                inner: StatementInner::Postgres {
                    client,
                    sql: sql.to_owned(),
                },
            }),
        }
    }

    pub fn execute<P: Params>(&self, sql: &str, params: P) -> Result<usize> {
        self.prepare_cached(sql)?.execute(params)
    }

    pub fn query_row<T, P, F>(&self, sql: &str, params: P, f: F) -> Result<T>
    where
        P: Params,
        F: FnOnce(&Row<'_>) -> Result<T>,
    {
        self.prepare_cached(sql)?.query_row(params, f)
    }

    /// Runs one statement without parameters that neither opens nor ends a transaction
    /// (a savepoint's), prepared once: the writer runs two for every command.
    pub fn execute_cached(&self, sql: &str) -> Result<()> {
        match &self.inner {
            Inner::Sqlite(conn) => {
                conn.prepare_cached(sql)?.execute([])?;
                Ok(())
            }
            Inner::Postgres { .. } => self.execute_batch(sql),
        }
    }

    /// Runs statements separated by `;`, without parameters.
    pub fn execute_batch(&self, sql: &str) -> Result<()> {
        match &self.inner {
            Inner::Sqlite(conn) => Ok(conn.execute_batch(sql)?),
            Inner::Postgres {
                client,
                in_transaction,
            } => {
                let result = client.batch(sql);
                // The last transaction statement decides; COMMIT ends the transaction even
                // when it fails (PostgreSQL then rolls back).
                let words = sql.split(';').map(|s| s.trim().to_ascii_uppercase());
                for statement in words.filter(|s| !s.is_empty()) {
                    if statement.starts_with("BEGIN") || statement.starts_with("START") {
                        in_transaction.set(result.is_ok());
                    } else if statement.starts_with("COMMIT")
                        || statement.starts_with("END")
                        || (statement.starts_with("ROLLBACK") && !statement.contains(" TO "))
                    {
                        in_transaction.set(false);
                    }
                }
                result
            }
        }
    }

    /// False while a transaction is open.
    pub fn is_autocommit(&self) -> bool {
        match &self.inner {
            Inner::Sqlite(conn) => conn.is_autocommit(),
            Inner::Postgres { in_transaction, .. } => !in_transaction.get(),
        }
    }

    /// BEGIN now; COMMIT with [`Transaction::commit`], ROLLBACK if dropped before that.
    /// Statements run through the connection in between belong to it.
    pub fn unchecked_transaction(&self) -> Result<Transaction<'_>> {
        self.execute_batch("BEGIN")?;
        Ok(Transaction {
            conn: self,
            open: true,
        })
    }
}

pub struct Transaction<'c> {
    conn: &'c Connection,
    open: bool,
}

impl Transaction<'_> {
    pub fn commit(mut self) -> Result<()> {
        self.open = false;
        self.conn.execute_batch("COMMIT")
    }
}

impl std::ops::Deref for Transaction<'_> {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        self.conn
    }
}

impl Drop for Transaction<'_> {
    fn drop(&mut self) {
        if self.open {
            if let Err(e) = self.conn.execute_batch("ROLLBACK") {
                tracing::error!("rolling back a dropped transaction: {e}");
            }
        }
    }
}

pub struct Statement<'c> {
    inner: StatementInner<'c>,
}

enum StatementInner<'c> {
    Sqlite(rusqlite::CachedStatement<'c>),
    Postgres {
        client: &'c postgres::Client,
        sql: String,
    },
}

impl Statement<'_> {
    /// The number of rows changed.
    pub fn execute<P: Params>(&mut self, params: P) -> Result<usize> {
        params.with(|values| match &mut self.inner {
            StatementInner::Sqlite(stmt) => sqlite::execute(stmt, values),
            StatementInner::Postgres { client, sql } => client.execute(sql, owned(values)?),
        })
    }

    /// `f` applied to the first row; [`Error::NoRows`] if there is none.
    pub fn query_row<T, P, F>(&mut self, params: P, f: F) -> Result<T>
    where
        P: Params,
        F: FnOnce(&Row<'_>) -> Result<T>,
    {
        params.with(|values| match &mut self.inner {
            StatementInner::Sqlite(stmt) => {
                let mut rows = sqlite::query(stmt, values)?;
                match rows.next()? {
                    Some(row) => f(&Row::sqlite(row)),
                    None => Err(Error::NoRows),
                }
            }
            StatementInner::Postgres { client, sql } => {
                match client.query(sql, owned(values)?)?.first() {
                    Some(row) => f(&Row::values(row)),
                    None => Err(Error::NoRows),
                }
            }
        })
    }

    /// `f` applied to each row, as the iterator is advanced.
    pub fn query_map<T, P, F>(&mut self, params: P, f: F) -> Result<MappedRows<'_, F>>
    where
        P: Params,
        F: FnMut(&Row<'_>) -> Result<T>,
    {
        params.with(|values| match &mut self.inner {
            StatementInner::Sqlite(stmt) => Ok(MappedRows {
                rows: RowsInner::Sqlite(sqlite::query(stmt, values)?),
                f,
            }),
            StatementInner::Postgres { client, sql } => Ok(MappedRows {
                rows: RowsInner::Values(client.query(sql, owned(values)?)?.into_iter()),
                f,
            }),
        })
    }
}

pub struct MappedRows<'s, F> {
    rows: RowsInner<'s>,
    f: F,
}

enum RowsInner<'s> {
    Sqlite(rusqlite::Rows<'s>),
    Values(std::vec::IntoIter<Vec<Value>>),
}

impl<T, F> Iterator for MappedRows<'_, F>
where
    F: FnMut(&Row<'_>) -> Result<T>,
{
    type Item = Result<T>;

    fn next(&mut self) -> Option<Result<T>> {
        match &mut self.rows {
            RowsInner::Sqlite(rows) => match rows.next() {
                Ok(Some(row)) => Some((self.f)(&Row::sqlite(row))),
                Ok(None) => None,
                Err(e) => Some(Err(e.into())),
            },
            RowsInner::Values(rows) => rows.next().map(|row| (self.f)(&Row::values(&row))),
        }
    }
}

/// One result row; columns are read by index.
pub struct Row<'r> {
    inner: RowInner<'r>,
}

enum RowInner<'r> {
    Sqlite(&'r rusqlite::Row<'r>),
    Values(&'r [Value]),
}

impl<'r> Row<'r> {
    fn sqlite(row: &'r rusqlite::Row<'r>) -> Row<'r> {
        Row {
            inner: RowInner::Sqlite(row),
        }
    }

    /// `get::<_, T>(i)` spells the type as rusqlite's `get` does.
    fn values(row: &'r [Value]) -> Row<'r> {
        Row {
            inner: RowInner::Values(row),
        }
    }

    pub fn get<I: RowIndex, T: FromSql>(&self, index: I) -> Result<T> {
        let index = index.index();
        let read = match &self.inner {
            RowInner::Sqlite(row) => sqlite::column(row, index).and_then(T::from_sql),
            RowInner::Values(row) => match row.get(index) {
                Some(value) => T::from_sql(value.as_ref()),
                None => Err(Error::NoColumn(index)),
            },
        };
        read.map_err(|e| e.at_column(index))
    }
}

/// A column index (a `usize`); a type parameter only to keep rusqlite's `get::<_, T>`.
pub trait RowIndex {
    fn index(self) -> usize;
}

impl RowIndex for usize {
    fn index(self) -> usize {
        self
    }
}
