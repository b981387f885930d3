//! Every check runs on a fresh SQLite file and on a fresh database of a real PostgreSQL.

use super::*;

type Check = fn(&Connection);

const CHECKS: &[(&str, Check)] = &[
    ("values_round_trip", values_round_trip),
    ("returning_gives_the_new_id", returning_gives_the_new_id),
    (
        "missing_row_is_none_with_optional",
        missing_row_is_none_with_optional,
    ),
    (
        "query_map_yields_rows_in_order",
        query_map_yields_rows_in_order,
    ),
    ("booleans_read_from_either", booleans_read_from_either),
    (
        "conflicts_are_ignored_or_upserted",
        conflicts_are_ignored_or_upserted,
    ),
    (
        "dropped_transaction_rolls_back",
        dropped_transaction_rolls_back,
    ),
    (
        "batch_begin_commit_tracks_autocommit",
        batch_begin_commit_tracks_autocommit,
    ),
    ("wrong_types_are_errors", wrong_types_are_errors),
    ("sql_errors_are_errors", sql_errors_are_errors),
];

const TABLE: &str = "CREATE TABLE t (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    n  INTEGER,
    s  TEXT,
    b  BLOB,
    r  REAL,
    k  TEXT UNIQUE
)";

fn create(conn: &Connection) {
    let ddl = match conn.backend() {
        Backend::Sqlite => TABLE.to_owned(),
        Backend::Postgres => crate::schema::postgres_ddl(TABLE),
    };
    conn.execute_batch(&ddl).unwrap();
}

fn values_round_trip(conn: &Connection) {
    create(conn);
    let blob = vec![0u8, 1, 255];
    conn.execute(
        "INSERT INTO t (n, s, b, r) VALUES (?1, ?2, ?3, ?4)",
        params![i64::MAX, "it's ?1 ünïcode", blob, 1.5],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO t (n, s, b, r) VALUES (?1, ?2, ?3, ?4)",
        params![None::<i64>, None::<String>, None::<Vec<u8>>, None::<f64>],
    )
    .unwrap();
    let row: (i64, String, Vec<u8>, f64) = conn
        .query_row("SELECT n, s, b, r FROM t WHERE n IS NOT NULL", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .unwrap();
    assert_eq!(row, (i64::MAX, "it's ?1 ünïcode".into(), blob, 1.5));
    let nulls: (Option<i64>, Option<String>, Option<Vec<u8>>, Option<f64>) = conn
        .query_row("SELECT n, s, b, r FROM t WHERE n IS NULL", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .unwrap();
    assert_eq!(nulls, (None, None, None, None));
    // A u32 parameter, a COUNT and a SUM cast to BIGINT read back as plain integers.
    let (count, sum): (u32, i64) = conn
        .query_row(
            "SELECT COUNT(*), CAST(COALESCE(SUM(id), 0) AS BIGINT) FROM t WHERE id >= ?1",
            [1u32],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((count, sum), (2, 3));
}

fn returning_gives_the_new_id(conn: &Connection) {
    create(conn);
    let mut insert = conn
        .prepare_cached("INSERT INTO t (s) VALUES (?1) RETURNING id")
        .unwrap();
    let first: i64 = insert.query_row(["a"], |r| r.get(0)).unwrap();
    let second: i64 = insert.query_row(["b"], |r| r.get(0)).unwrap();
    assert_eq!(second, first + 1);
    let s: String = conn
        .query_row("SELECT s FROM t WHERE id = ?1", [second], |r| r.get(0))
        .unwrap();
    assert_eq!(s, "b");
}

fn missing_row_is_none_with_optional(conn: &Connection) {
    create(conn);
    let missing: Option<String> = conn
        .query_row("SELECT s FROM t WHERE id = ?1", [42], |r| r.get(0))
        .optional()
        .unwrap();
    assert_eq!(missing, None);
    let error = conn
        .query_row("SELECT s FROM t WHERE id = ?1", [42], |r| {
            r.get::<_, String>(0)
        })
        .unwrap_err();
    assert!(matches!(error, Error::NoRows), "{error}");
}

fn query_map_yields_rows_in_order(conn: &Connection) {
    create(conn);
    for (n, s) in [(3, "c"), (1, "a"), (2, "b")] {
        conn.execute("INSERT INTO t (n, s) VALUES (?1, ?2)", params![n, s])
            .unwrap();
    }
    let mut stmt = conn
        .prepare_cached("SELECT n, s FROM t WHERE n > ?1 ORDER BY n")
        .unwrap();
    let rows: Vec<(i64, String)> = stmt
        .query_map([1], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_>>()
        .unwrap();
    assert_eq!(rows, vec![(2, "b".into()), (3, "c".into())]);
    // The cached statement again, with other parameters.
    let again = stmt.query_map([2], |r| r.get::<_, i64>(0)).unwrap().count();
    assert_eq!(again, 1);
}

fn booleans_read_from_either(conn: &Connection) {
    create(conn);
    conn.execute("INSERT INTO t (n, s) VALUES (?1, ?2)", params![true, "x"])
        .unwrap();
    // A comparison is a boolean on PostgreSQL and 0/1 on SQLite; EXISTS likewise.
    let (flag, stored, exists, missing): (bool, bool, bool, bool) = conn
        .query_row(
            "SELECT s = 'x', n, EXISTS(SELECT 1 FROM t), EXISTS(SELECT 1 FROM t WHERE n = 0)
             FROM t",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap();
    assert_eq!((flag, stored, exists, missing), (true, true, true, false));
    let as_int: i64 = conn
        .query_row("SELECT s = 'x' FROM t", [], |r| r.get(0))
        .unwrap();
    assert_eq!(as_int, 1);
}

fn conflicts_are_ignored_or_upserted(conn: &Connection) {
    create(conn);
    let insert = "INSERT INTO t (k, n) VALUES (?1, ?2) ON CONFLICT DO NOTHING";
    assert_eq!(conn.execute(insert, params!["k", 1]).unwrap(), 1);
    assert_eq!(conn.execute(insert, params!["k", 2]).unwrap(), 0);
    conn.execute(
        "INSERT INTO t (k, n) VALUES (?1, ?2) ON CONFLICT (k) DO UPDATE SET n = excluded.n",
        params!["k", 3],
    )
    .unwrap();
    let n: i64 = conn
        .query_row("SELECT n FROM t WHERE k = ?1", ["k"], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 3);
}

fn dropped_transaction_rolls_back(conn: &Connection) {
    create(conn);
    {
        let tx = conn.unchecked_transaction().unwrap();
        assert!(!conn.is_autocommit());
        tx.execute("INSERT INTO t (s) VALUES ('gone')", []).unwrap();
    }
    assert!(conn.is_autocommit());
    let tx = conn.unchecked_transaction().unwrap();
    tx.execute("INSERT INTO t (s) VALUES ('kept')", []).unwrap();
    tx.commit().unwrap();
    let all: Vec<String> = conn
        .prepare_cached("SELECT s FROM t")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_>>()
        .unwrap();
    assert_eq!(all, ["kept"]);
}

fn batch_begin_commit_tracks_autocommit(conn: &Connection) {
    create(conn);
    conn.execute_batch("BEGIN").unwrap();
    assert!(!conn.is_autocommit());
    conn.execute_batch("SAVEPOINT a; INSERT INTO t (s) VALUES ('x'); ROLLBACK TO a")
        .unwrap();
    assert!(!conn.is_autocommit(), "ROLLBACK TO keeps the transaction");
    conn.execute_batch("COMMIT").unwrap();
    assert!(conn.is_autocommit());
    let count: i64 = conn
        .query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0))
        .unwrap();
    assert_eq!(count, 0);
}

fn wrong_types_are_errors(conn: &Connection) {
    create(conn);
    conn.execute("INSERT INTO t (n, s) VALUES (?1, ?2)", params![-1, "text"])
        .unwrap();
    let error = conn
        .query_row("SELECT s FROM t", [], |r| r.get::<_, i64>(0))
        .unwrap_err();
    assert_eq!(error.to_string(), "column 0: expected integer, found text");
    let error = conn
        .query_row("SELECT n FROM t", [], |r| r.get::<_, u32>(0))
        .unwrap_err();
    assert_eq!(error.to_string(), "column 0: integer -1 out of range");
    let error = conn
        .execute("INSERT INTO t (n) VALUES (?1)", [u64::MAX])
        .unwrap_err();
    assert!(error.to_string().contains("out of range"), "{error}");
}

fn sql_errors_are_errors(conn: &Connection) {
    let error = conn
        .execute("INSERT INTO nowhere VALUES (1)", [])
        .unwrap_err();
    assert!(error.to_string().contains("nowhere"), "{error}");
    // The connection stays usable.
    create(conn);
    conn.execute("INSERT INTO t (s) VALUES ('x')", []).unwrap();
}

#[test]
fn on_sqlite() {
    for (name, check) in CHECKS {
        let file = crate::store::tests::temp_file(name);
        let conn = Connection::open_sqlite(file.path()).unwrap();
        check(&conn);
    }
}

#[test]
fn on_postgres() {
    let server = messenger_services::Postgres::start().unwrap();
    for (name, check) in CHECKS {
        let url = server.create_database(name).unwrap();
        let conn = Connection::connect_postgres(&url).unwrap();
        check(&conn);
    }
}

#[test]
fn connecting_to_nothing_is_an_error() {
    let port = messenger_services::free_port().unwrap();
    let error = Connection::connect_postgres(&format!("postgres://postgres@127.0.0.1:{port}/x"))
        .err()
        .expect("nothing listens there");
    assert!(error.to_string().starts_with("postgres: "), "{error}");
    let error = Connection::connect_postgres("postgres://[nonsense")
        .err()
        .expect("not a URL");
    assert!(error.to_string().starts_with("postgres: "), "{error}");
}
