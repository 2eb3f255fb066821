//! `comment-desk copy`: moves a newsroom from a SQLite file to PostgreSQL,
//! every row of every table as it is (password hashes, sessions and sign-in
//! identities too, which the JSON export leaves out), so readers keep their
//! accounts and stay signed in. It names both engines, like `open.rs`.
//!
//! The copy is one PostgreSQL transaction into a database that has no
//! comments or accounts yet: it either all lands or none of it does.

use std::str::FromStr;

use anyhow::{Context, bail};
use futures_util::TryStreamExt;
use sqlx::postgres::PgPool;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqliteRow};
use sqlx::{PgConnection, Row};

use super::open::open;
use crate::config::DatabaseTuning;

/// Every table, parents before children, so foreign keys hold row by row.
pub const TABLES: [&str; 21] = [
    "accounts",
    "sessions",
    "articles",
    "comments",
    "meta",
    "comment_reasons",
    "policy_decisions",
    "sanctions",
    "reports",
    "moderation_log",
    "reactions",
    "reaction_changes",
    "identities",
    "login_attempts",
    "link_tickets",
    "sso_token_ids",
    "account_notes",
    "decision_undo",
    "webhook_events",
    "webhook_deliveries",
    "imports",
];

/// Rows sent in one INSERT.
const ROWS_PER_INSERT: usize = 200;

/// What was copied: rows per table.
pub struct Copied {
    pub tables: Vec<(&'static str, u64)>,
}

/// Copies the SQLite database at `from` into the PostgreSQL one at `to`,
/// migrating both first.
pub async fn copy(from: &str, to: &str, tuning: DatabaseTuning) -> anyhow::Result<Copied> {
    if !to.starts_with("postgres://") && !to.starts_with("postgresql://") {
        bail!("--to must be a postgres:// URL");
    }
    if to.starts_with("postgres") == from.starts_with("postgres") {
        bail!("--from must be a SQLite URL");
    }
    // Opening migrates each to the newest schema, so both have the same tables.
    open(from, tuning).await?.close().await;
    open(to, tuning).await?.close().await;
    let source = SqlitePool::connect_with(
        SqliteConnectOptions::from_str(from)
            .context("--from is not a SQLite URL")?
            .read_only(true),
    )
    .await
    .context("cannot open the SQLite file")?;
    let target = PgPool::connect(to)
        .await
        .context("cannot connect to PostgreSQL")?;
    let copied = copy_tables(&source, &target).await;
    source.close().await;
    target.close().await;
    copied
}

async fn copy_tables(source: &SqlitePool, target: &PgPool) -> anyhow::Result<Copied> {
    let mut tx = target.begin().await?;
    refuse_unless_empty(&mut tx).await?;
    let mut tables = Vec::new();
    for table in TABLES {
        let columns = shared_columns(source, &mut tx, table).await?;
        let rows = copy_table(source, &mut tx, table, &columns).await?;
        tables.push((table, rows));
    }
    advance_identities(&mut tx).await?;
    tx.commit().await.context("cannot commit the copy")?;
    Ok(Copied { tables })
}

/// A copy over a newsroom's data would mix two newsrooms.
async fn refuse_unless_empty(tx: &mut PgConnection) -> anyhow::Result<()> {
    let used: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM accounts) OR EXISTS (SELECT 1 FROM comments)",
    )
    .fetch_one(&mut *tx)
    .await?;
    if used {
        bail!("the PostgreSQL database already has accounts or comments; copy into a new one");
    }
    // Start-up registers the demo editorials; the copy brings its own.
    sqlx::query("DELETE FROM articles")
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM meta").execute(&mut *tx).await?;
    Ok(())
}

/// A PostgreSQL column and its type, which says how to bind SQLite's value.
struct Target {
    name: String,
    kind: String,
}

/// The columns both have, in PostgreSQL's order; generated ones are left to
/// PostgreSQL, and PostgreSQL's own extra keys fill themselves.
async fn shared_columns(
    source: &SqlitePool,
    tx: &mut PgConnection,
    table: &str,
) -> anyhow::Result<Vec<Target>> {
    let theirs: Vec<String> = sqlx::query_scalar("SELECT name FROM pragma_table_info($1)")
        .bind(table)
        .fetch_all(source)
        .await?;
    let ours: Vec<(String, String)> = sqlx::query_as(
        "SELECT column_name::text, data_type::text FROM information_schema.columns
         WHERE table_schema = current_schema() AND table_name = $1 AND is_generated = 'NEVER'
         ORDER BY ordinal_position",
    )
    .bind(table)
    .fetch_all(&mut *tx)
    .await?;
    Ok(ours
        .into_iter()
        .filter(|(name, _)| theirs.contains(name))
        .map(|(name, kind)| Target { name, kind })
        .collect())
}

async fn copy_table(
    source: &SqlitePool,
    tx: &mut PgConnection,
    table: &str,
    columns: &[Target],
) -> anyhow::Result<u64> {
    let names: Vec<String> = columns.iter().map(|c| format!("\"{}\"", c.name)).collect();
    let select = format!("SELECT {} FROM {table}", names.join(", "));
    let mut rows = sqlx::query(&select).fetch(source);
    let mut batch: Vec<SqliteRow> = Vec::with_capacity(ROWS_PER_INSERT);
    let mut copied = 0;
    while let Some(row) = rows.try_next().await? {
        batch.push(row);
        if batch.len() == ROWS_PER_INSERT {
            copied += insert(tx, table, &names, columns, &batch).await?;
            batch.clear();
        }
    }
    copied += insert(tx, table, &names, columns, &batch).await?;
    Ok(copied)
}

async fn insert(
    tx: &mut PgConnection,
    table: &str,
    names: &[String],
    columns: &[Target],
    rows: &[SqliteRow],
) -> anyhow::Result<u64> {
    if rows.is_empty() {
        return Ok(0);
    }
    let width = columns.len();
    let tuples: Vec<String> = (0..rows.len())
        .map(|r| {
            let marks: Vec<String> = (1..=width).map(|c| format!("${}", r * width + c)).collect();
            format!("({})", marks.join(", "))
        })
        .collect();
    let sql = format!(
        "INSERT INTO {table} ({}) OVERRIDING SYSTEM VALUE VALUES {}",
        names.join(", "),
        tuples.join(", ")
    );
    let mut query = sqlx::query(&sql);
    for row in rows {
        for (i, column) in columns.iter().enumerate() {
            query = bind_value(query, row, i, column)?;
        }
    }
    let done = query
        .execute(&mut *tx)
        .await
        .with_context(|| format!("cannot copy rows of {table}"))?;
    Ok(done.rows_affected())
}

type PgQuery<'q> = sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>;

/// Binds one SQLite value as PostgreSQL's column expects it (SQLite keeps
/// booleans as 0 and 1).
fn bind_value<'q>(
    query: PgQuery<'q>,
    row: &SqliteRow,
    i: usize,
    column: &Target,
) -> anyhow::Result<PgQuery<'q>> {
    Ok(match column.kind.as_str() {
        "bigint" | "integer" => query.bind(row.try_get::<Option<i64>, _>(i)?),
        "boolean" => query.bind(row.try_get::<Option<i64>, _>(i)?.map(|v| v != 0)),
        "text" => query.bind(row.try_get::<Option<String>, _>(i)?),
        "bytea" => query.bind(row.try_get::<Option<Vec<u8>>, _>(i)?),
        "double precision" => query.bind(row.try_get::<Option<f64>, _>(i)?),
        other => bail!("cannot copy {} into a column of type {other}", column.name),
    })
}

/// Ids copied as they were: the identities continue after the largest.
async fn advance_identities(tx: &mut PgConnection) -> anyhow::Result<()> {
    let identities: Vec<(String, String)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text FROM information_schema.columns
         WHERE table_schema = current_schema() AND is_identity = 'YES'",
    )
    .fetch_all(&mut *tx)
    .await?;
    for (table, column) in identities {
        let sql = format!(
            "SELECT setval(pg_get_serial_sequence('{table}', '{column}'),
                 COALESCE((SELECT max(\"{column}\") FROM {table}), 0) + 1, false)"
        );
        sqlx::query(&sql).execute(&mut *tx).await?;
    }
    Ok(())
}
