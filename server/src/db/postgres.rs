//! The PostgreSQL backend: the synchronous `postgres` client on a thread of its own.
//!
//! That client blocks on a runtime of its own, which panics inside a tokio worker, and the
//! server calls the store from tokio tasks; so every request goes to this thread over a
//! channel and waits for the answer on another. Statements are prepared once per SQL text
//! and kept, like rusqlite's statement cache.

use std::collections::HashMap;
use std::error::Error as StdError;
use std::sync::mpsc;
use std::thread;

use postgres::types::{to_sql_checked, IsNull, ToSql as PgToSql, Type};
use postgres::{NoTls, Row};

use super::{Error, Result, Value};

enum Request {
    Execute { sql: String, params: Vec<Value> },
    Query { sql: String, params: Vec<Value> },
    Batch(String),
}

enum Answer {
    Count(u64),
    Rows(Vec<Vec<Value>>),
    Done,
}

pub(super) struct Client {
    requests: Option<mpsc::Sender<Request>>,
    answers: mpsc::Receiver<Result<Answer>>,
    thread: Option<thread::JoinHandle<()>>,
}

impl Client {
    /// Connects to `url` (`postgres://user@host:port/db`, or key=value pairs) on a new
    /// thread and waits until the connection is up or has failed.
    pub(super) fn connect(url: &str) -> Result<Client> {
        let config: postgres::Config = url.parse().map_err(Error::Postgres)?;
        let (requests, incoming) = mpsc::channel();
        let (reply, answers) = mpsc::channel();
        let thread = thread::Builder::new()
            .name("postgres".into())
            .spawn(move || serve(config, incoming, reply))
            .map_err(|e| Error::Thread(e.to_string()))?;
        let client = Client {
            requests: Some(requests),
            answers,
            thread: Some(thread),
        };
        client.answer()?;
        Ok(client)
    }

    fn ask(&self, request: Request) -> Result<Answer> {
        self.requests
            .as_ref()
            .and_then(|requests| requests.send(request).ok())
            .ok_or_else(|| Error::Thread("the PostgreSQL thread has stopped".into()))?;
        self.answer()
    }

    fn answer(&self) -> Result<Answer> {
        self.answers
            .recv()
            .map_err(|_| Error::Thread("the PostgreSQL thread has stopped".into()))?
    }

    pub(super) fn execute(&self, sql: &str, params: Vec<Value>) -> Result<usize> {
        match self.ask(Request::Execute {
            sql: sql.to_owned(),
            params,
        })? {
            Answer::Count(n) => Ok(n as usize),
            _ => unreachable!("execute answers with a count"),
        }
    }

    pub(super) fn query(&self, sql: &str, params: Vec<Value>) -> Result<Vec<Vec<Value>>> {
        match self.ask(Request::Query {
            sql: sql.to_owned(),
            params,
        })? {
            Answer::Rows(rows) => Ok(rows),
            _ => unreachable!("query answers with rows"),
        }
    }

    pub(super) fn batch(&self, sql: &str) -> Result<()> {
        self.ask(Request::Batch(sql.to_owned())).map(|_| ())
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        // Closing the channel ends the thread's loop, which closes the connection.
        self.requests = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn serve(
    config: postgres::Config,
    requests: mpsc::Receiver<Request>,
    reply: mpsc::Sender<Result<Answer>>,
) {
    let mut client = match config.connect(NoTls) {
        Ok(client) => {
            let _ = reply.send(Ok(Answer::Done));
            client
        }
        Err(e) => {
            let _ = reply.send(Err(Error::Postgres(e)));
            return;
        }
    };
    let mut statements: HashMap<String, postgres::Statement> = HashMap::new();
    for request in requests {
        let answer = match request {
            Request::Batch(sql) => client
                .batch_execute(&sql)
                .map(|()| Answer::Done)
                .map_err(|e| in_statement(Error::Postgres(e), &sql)),
            Request::Execute { sql, params } => prepared(&mut client, &mut statements, &sql)
                .and_then(|statement| {
                    client
                        .execute(&statement, &bind(&params))
                        .map(Answer::Count)
                        .map_err(Error::Postgres)
                })
                .map_err(|e| in_statement(e, &sql)),
            Request::Query { sql, params } => prepared(&mut client, &mut statements, &sql)
                .and_then(|statement| {
                    let rows = client
                        .query(&statement, &bind(&params))
                        .map_err(Error::Postgres)?;
                    rows.iter()
                        .map(read_row)
                        .collect::<Result<_>>()
                        .map(Answer::Rows)
                })
                .map_err(|e| in_statement(e, &sql)),
        };
        if reply.send(answer).is_err() {
            return;
        }
    }
}

/// The server log then says which statement failed, not only why.
fn in_statement(error: Error, sql: &str) -> Error {
    Error::Statement(
        sql.split_whitespace().collect::<Vec<_>>().join(" "),
        Box::new(error),
    )
}

fn prepared(
    client: &mut postgres::Client,
    statements: &mut HashMap<String, postgres::Statement>,
    sql: &str,
) -> Result<postgres::Statement> {
    if let Some(statement) = statements.get(sql) {
        return Ok(statement.clone());
    }
    let statement = client
        .prepare(&placeholders(sql))
        .map_err(Error::Postgres)?;
    statements.insert(sql.to_owned(), statement.clone());
    Ok(statement)
}

fn bind(params: &[Value]) -> Vec<&(dyn PgToSql + Sync)> {
    params.iter().map(|v| v as &(dyn PgToSql + Sync)).collect()
}

/// `?1` → `$1` (and a bare `?` → the next number) outside string literals, quoted
/// identifiers and comments.
pub fn placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut chars = sql.chars().peekable();
    let mut next = 1;
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' => {
                out.push(c);
                for inner in chars.by_ref() {
                    out.push(inner);
                    if inner == c {
                        break;
                    }
                }
            }
            '-' if chars.peek() == Some(&'-') => {
                out.push(c);
                for inner in chars.by_ref() {
                    out.push(inner);
                    if inner == '\n' {
                        break;
                    }
                }
            }
            '?' => {
                out.push('$');
                let mut digits = String::new();
                while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                    digits.push(*d);
                    chars.next();
                }
                if digits.is_empty() {
                    out.push_str(&next.to_string());
                    next += 1;
                } else {
                    next = digits.parse::<usize>().unwrap_or(next) + 1;
                    out.push_str(&digits);
                }
            }
            _ => out.push(c),
        }
    }
    out
}

fn read_row(row: &Row) -> Result<Vec<Value>> {
    (0..row.len()).map(|i| read_column(row, i)).collect()
}

fn read_column(row: &Row, i: usize) -> Result<Value> {
    let ty = row.columns()[i].type_();
    let value = match *ty {
        Type::INT8 => row.try_get::<_, Option<i64>>(i).map(|v| v.map(Value::Int)),
        Type::INT4 => row
            .try_get::<_, Option<i32>>(i)
            .map(|v| v.map(|v| Value::Int(v.into()))),
        Type::INT2 => row
            .try_get::<_, Option<i16>>(i)
            .map(|v| v.map(|v| Value::Int(v.into()))),
        Type::BOOL => row
            .try_get::<_, Option<bool>>(i)
            .map(|v| v.map(Value::Bool)),
        Type::FLOAT8 => row.try_get::<_, Option<f64>>(i).map(|v| v.map(Value::Real)),
        Type::FLOAT4 => row
            .try_get::<_, Option<f32>>(i)
            .map(|v| v.map(|v| Value::Real(v.into()))),
        Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN => row
            .try_get::<_, Option<String>>(i)
            .map(|v| v.map(Value::Text)),
        Type::BYTEA => row
            .try_get::<_, Option<Vec<u8>>>(i)
            .map(|v| v.map(Value::Blob)),
        _ => {
            return Err(Error::Unsupported(format!(
                "column {i} ({}) is of type {ty}; cast it in the SQL",
                row.columns()[i].name()
            )))
        }
    };
    Ok(value.map_err(Error::Postgres)?.unwrap_or(Value::Null))
}

/// Binds as whatever type PostgreSQL inferred for the parameter: an integer goes into
/// int2/int4/int8/boolean/float8 alike, as SQLite would store it.
impl PgToSql for Value {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut bytes::BytesMut,
    ) -> std::result::Result<IsNull, Box<dyn StdError + Sync + Send>> {
        match (self, ty) {
            (Value::Null, _) => Ok(IsNull::Yes),
            (Value::Int(i), &Type::INT8) => i.to_sql(ty, out),
            (Value::Int(i), &Type::INT4) => i32::try_from(*i)?.to_sql(ty, out),
            (Value::Int(i), &Type::INT2) => i16::try_from(*i)?.to_sql(ty, out),
            (Value::Int(i), &Type::BOOL) => (*i != 0).to_sql(ty, out),
            (Value::Int(i), &Type::FLOAT8) => (*i as f64).to_sql(ty, out),
            (Value::Int(i), &Type::TEXT | &Type::VARCHAR) => i.to_string().to_sql(ty, out),
            (Value::Bool(b), &Type::BOOL) => b.to_sql(ty, out),
            (Value::Bool(b), &Type::INT8) => i64::from(*b).to_sql(ty, out),
            (Value::Bool(b), &Type::INT4) => i32::from(*b).to_sql(ty, out),
            (Value::Bool(b), &Type::INT2) => i16::from(*b).to_sql(ty, out),
            (Value::Real(f), &Type::FLOAT8) => f.to_sql(ty, out),
            (Value::Real(f), &Type::FLOAT4) => (*f as f32).to_sql(ty, out),
            (Value::Text(s), _) if <&str as PgToSql>::accepts(ty) => s.as_str().to_sql(ty, out),
            (Value::Blob(b), &Type::BYTEA) => b.as_slice().to_sql(ty, out),
            (value, ty) => Err(format!("cannot bind {value:?} as a parameter of type {ty}").into()),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

#[cfg(test)]
mod tests {
    use super::placeholders;

    #[test]
    fn placeholders_are_renumbered_outside_literals_and_comments() {
        assert_eq!(
            placeholders("SELECT a FROM t WHERE b = ?1 AND c = ?12"),
            "SELECT a FROM t WHERE b = $1 AND c = $12"
        );
        assert_eq!(
            placeholders("SELECT '?1', \"q?2\", ?2 -- what ?3\n, ?3"),
            "SELECT '?1', \"q?2\", $2 -- what ?3\n, $3"
        );
        assert_eq!(placeholders("VALUES (?, ?)"), "VALUES ($1, $2)");
        assert_eq!(
            placeholders("SELECT 'it''s ?1', ?1"),
            "SELECT 'it''s ?1', $1"
        );
    }
}
