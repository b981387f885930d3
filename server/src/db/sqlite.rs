//! The SQLite backend: rusqlite with its statement cache.

use std::path::Path;

use rusqlite::types::{ToSqlOutput, ValueRef as SqliteRef};

use super::{Error, Result, ToSql, ValueRef};

/// More than the distinct statements the server runs, so none is evicted and compiled again.
const STATEMENT_CACHE: usize = 256;
/// Enough for the hot part of a large office's database (indexes, recent messages).
const PAGE_CACHE_KIB: i64 = 64 * 1024;
/// Pages past the cache are read through a memory map rather than a copy per read.
const MMAP_BYTES: i64 = 256 * 1024 * 1024;

pub(super) fn open(path: &Path) -> Result<rusqlite::Connection> {
    let conn = rusqlite::Connection::open(path)?;
    // WAL lets a reader (sqlite3 shell, backup) look at the file while the server writes.
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", true)?;
    // The writer re-reads the same index pages for every message; reading them through
    // a 2 MB page cache (SQLite's default) was a read() system call each time (perf).
    conn.pragma_update(None, "cache_size", -PAGE_CACHE_KIB)?;
    conn.pragma_update(None, "mmap_size", MMAP_BYTES)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    // Every statement is prepared once and reused (`prepare_cached`): compiling SQL was a
    // sixth of the server's CPU time per message (perf, `--example bench`). The cache holds
    // all of them.
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(conn)
}

/// Binds a parameter without copying it.
struct Bind<'a>(&'a dyn ToSql);

impl rusqlite::ToSql for Bind<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        let value = self
            .0
            .to_sql()
            .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
        Ok(ToSqlOutput::Borrowed(match value {
            ValueRef::Null => SqliteRef::Null,
            ValueRef::Int(i) => SqliteRef::Integer(i),
            ValueRef::Bool(b) => SqliteRef::Integer(b.into()),
            ValueRef::Real(f) => SqliteRef::Real(f),
            ValueRef::Text(s) => SqliteRef::Text(s.as_bytes()),
            ValueRef::Blob(b) => SqliteRef::Blob(b),
        }))
    }
}

fn bound<'a>(values: &'a [&'a dyn ToSql]) -> impl rusqlite::Params + 'a {
    rusqlite::params_from_iter(values.iter().map(|v| Bind(*v)))
}

pub(super) fn execute(stmt: &mut rusqlite::Statement<'_>, values: &[&dyn ToSql]) -> Result<usize> {
    Ok(stmt.execute(bound(values))?)
}

pub(super) fn query<'s>(
    stmt: &'s mut rusqlite::Statement<'_>,
    values: &[&dyn ToSql],
) -> Result<rusqlite::Rows<'s>> {
    Ok(stmt.query(bound(values))?)
}

pub(super) fn column<'r>(row: &'r rusqlite::Row<'_>, index: usize) -> Result<ValueRef<'r>> {
    Ok(match row.get_ref(index)? {
        SqliteRef::Null => ValueRef::Null,
        SqliteRef::Integer(i) => ValueRef::Int(i),
        SqliteRef::Real(f) => ValueRef::Real(f),
        SqliteRef::Text(t) => ValueRef::Text(std::str::from_utf8(t).map_err(|_| Error::Type {
            wanted: "UTF-8 text",
            found: "invalid UTF-8",
        })?),
        SqliteRef::Blob(b) => ValueRef::Blob(b),
    })
}
