//! Statements on the concrete connection beneath a
//! [`DbConnection`](super::DbConnection) (prepared once and reused),
//! streamed reads, and bulk inserts.

/// Runs `$body` on the concrete connection inside a
/// [`DbConnection`](super::DbConnection):
/// `on_connection!(conn, |c| query.load(c))`. Through the MultiConnection
/// every execution rebuilds the statement's SQL text; on the connection
/// itself a statement of a fixed shape is prepared once and reused. The
/// body is compiled once per database, so build the query inside it.
macro_rules! on_connection {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConnection::Sqlite($c) => $body,
            $crate::db::DbConnection::Postgres($c) => $body,
        }
    };
}
pub(crate) use on_connection;

/// Reads the rows of `$query` (built on the concrete connection `$c`) one
/// at a time as `$row`, handing each to `$each` (`FnMut($row) ->
/// Result<(), ApiError>`), never holding them all: SQLite steps its
/// statement; PostgreSQL is asked for single rows, where its default would
/// hold the whole result in the client first. Evaluates to
/// `Result<(), ApiError>`.
macro_rules! each_row {
    ($conn:expr, $row:ty, |$c:ident| $query:expr, $each:expr) => {
        (|| -> Result<(), $crate::error::ApiError> {
            let mut each = $each;
            match $conn {
                $crate::db::DbConnection::Sqlite($c) => {
                    for row in
                        $query.load_iter::<$row, diesel::connection::DefaultLoadingMode>($c)?
                    {
                        each(row?)?;
                    }
                }
                $crate::db::DbConnection::Postgres($c) => {
                    for row in $query.load_iter::<$row, diesel::pg::PgRowByRowLoadingMode>($c)? {
                        each(row?)?;
                    }
                }
            }
            Ok(())
        })()
    };
}
pub(crate) use each_row;

/// Rows per statement of a bulk insert: within both databases' limits on
/// bound parameters for the widest row (people, 16 columns).
pub(crate) const BATCH: usize = 1000;

/// Inserts the slice `$rows` into `$table` on the concrete connection
/// (MultiConnection has neither multi-row inserts nor `COPY`). PostgreSQL
/// takes them all in one `COPY ... FROM STDIN` (binary): streamed as they
/// are encoded, no statement to parse, plan or bind per batch. SQLite takes
/// statements of [`BATCH`] rows; every full batch is the same statement, so
/// the connection prepares it once and binds it again, and only the last,
/// shorter batch is prepared anew; a fourth argument sets another batch
/// size for wider rows. Evaluates to `QueryResult<()>`.
macro_rules! insert_in_batches {
    ($conn:expr, $table:expr, $rows:expr) => {
        $crate::db::insert_in_batches!($conn, $table, $rows, $crate::db::BATCH)
    };
    ($conn:expr, $table:expr, $rows:expr, $batch:expr) => {{
        (|| -> diesel::QueryResult<()> {
            match &mut *$conn {
                $crate::db::DbConnection::Postgres(c) => {
                    diesel::copy_from($table)
                        .from_insertable($rows)
                        .execute(c)?;
                }
                $crate::db::DbConnection::Sqlite(c) => {
                    for chunk in $rows.chunks($batch) {
                        match <&[_; $batch]>::try_from(chunk) {
                            Ok(full) => diesel::insert_into($table).values(full).execute(c)?,
                            Err(_) => diesel::insert_into($table).values(chunk).execute(c)?,
                        };
                    }
                }
            }
            Ok(())
        })()
    }};
}
pub(crate) use insert_in_batches;
