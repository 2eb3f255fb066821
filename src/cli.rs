//! The command line: `serve` (the default), `migrate`, `export`, `import`, `user create`.

use std::io::Read;
use std::sync::Arc;

use anyhow::Context;
use chrono::Utc;
use clap::{Parser, Subcommand, ValueEnum};

use crate::auth::{Auth, Hasher};
use crate::config::Settings;
use crate::domain::accounts::{DisplayName, Email, Password, Role};
use crate::domain::refusal::Refusal;
use crate::domain::transfer::{ImportCounts, Source};
use crate::policy::LivePolicy;
use crate::startup::Application;

#[derive(Parser)]
#[command(
    name = "comment-desk",
    version,
    about = "Comment moderation for news sites"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand)]
pub enum Command {
    /// Run the server (the default): creates and migrates the database first.
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Write every entity as JSON lines (a backup; never passwords or sessions).
    Export {
        #[arg(long)]
        out: std::path::PathBuf,
    },
    /// Read comments from another system's export, or ours (importing twice adds nothing).
    Import {
        #[arg(long, value_enum)]
        format: FormatArg,
        file: std::path::PathBuf,
    },
    /// Copy every row of this SQLite database (DATABASE_URL) into a new PostgreSQL one.
    Copy {
        /// The PostgreSQL database to fill, e.g. postgres://user@host/comment_desk.
        #[arg(long)]
        to: String,
    },
    /// Manage accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
}

#[derive(Subcommand)]
pub enum UserCommand {
    /// Create an account; the password is read from standard input.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        display_name: String,
        #[arg(long, value_enum, default_value = "reader")]
        role: RoleArg,
        /// Read the password from standard input (the only way, so it stays out of shell history).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub enum FormatArg {
    Disqus,
    Wordpress,
    Isso,
    CommentDesk,
}

impl From<FormatArg> for Source {
    fn from(format: FormatArg) -> Source {
        match format {
            FormatArg::Disqus => Source::Disqus,
            FormatArg::Wordpress => Source::Wordpress,
            FormatArg::Isso => Source::Isso,
            FormatArg::CommentDesk => Source::CommentDesk,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
pub enum RoleArg {
    Reader,
    Moderator,
    Admin,
}

impl From<RoleArg> for Role {
    fn from(role: RoleArg) -> Role {
        match role {
            RoleArg::Reader => Role::Reader,
            RoleArg::Moderator => Role::Moderator,
            RoleArg::Admin => Role::Admin,
        }
    }
}

pub async fn run(cli: Cli, settings: Settings) -> anyhow::Result<()> {
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let app = Application::build(settings).await?;
            app.run_until_stopped().await?;
        }
        Command::Migrate => {
            let store =
                crate::storage::open(&settings.database_url, settings.database_tuning()).await?;
            store.close().await;
            println!("migrations applied to {}", settings.database_url);
        }
        Command::Export { out } => {
            let store =
                crate::storage::open(&settings.database_url, settings.database_tuning()).await?;
            let lines = crate::transfer::export(store.clone(), &out).await;
            store.close().await;
            println!("exported {} entities to {}", lines?, out.display());
        }
        Command::Import { format, file } => {
            let store =
                crate::storage::open(&settings.database_url, settings.database_tuning()).await?;
            let max_length = settings.comment_max_length;
            let counts = crate::transfer::import(store.clone(), format.into(), &file, max_length);
            let counts = counts.await;
            store.close().await;
            print_summary(&counts?);
        }
        Command::Copy { to } => {
            let copied =
                crate::storage::copy(&settings.database_url, &to, settings.database_tuning())
                    .await?;
            for (table, rows) in copied.tables {
                println!("{table}: {rows} rows");
            }
            println!(
                "copied {} into {}",
                settings.database_url,
                hide_password(&to)
            );
        }
        Command::User {
            command:
                UserCommand::Create {
                    email,
                    display_name,
                    role,
                    ..
                },
        } => create_user(&settings, &email, &display_name, role.into()).await?,
    }
    Ok(())
}

async fn create_user(
    settings: &Settings,
    email: &str,
    display_name: &str,
    role: Role,
) -> anyhow::Result<()> {
    let mut password = String::new();
    std::io::stdin()
        .read_to_string(&mut password)
        .context("cannot read the password from standard input")?;
    let password = password.trim_end_matches(['\n', '\r']).to_owned();
    let email = Email::parse(email).map_err(refused)?;
    let display_name = DisplayName::parse(display_name).map_err(refused)?;
    let password =
        Password::choose(password, Some(email.as_str()), &display_name).map_err(refused)?;
    let store = crate::storage::open(&settings.database_url, settings.database_tuning()).await?;
    let hasher = Hasher::new(1)?;
    let policy = Arc::new(LivePolicy::load(settings.policy_file.as_deref())?);
    let auth = Auth::new(store.clone(), hasher, policy, settings);
    let user = auth
        .create_account(email, display_name, password, role)
        .await
        .map_err(refused)?;
    store.close().await;
    println!(
        "created {} {} ({}) at {}",
        user.role.as_str(),
        user.id,
        user.email.as_deref().unwrap_or("-"),
        Utc::now().to_rfc3339()
    );
    Ok(())
}

/// What an import did, one count a line (English and Korean).
fn print_summary(counts: &ImportCounts) {
    let rows = [
        (
            "editorials imported / 기사 추가",
            counts.editorials_imported,
        ),
        (
            "editorials already present / 기사 기존",
            counts.editorials_present,
        ),
        ("accounts imported / 계정 추가", counts.accounts_imported),
        (
            "accounts already present / 계정 기존",
            counts.accounts_present,
        ),
        (
            "emails already taken, not merged / 이메일 중복(병합 안 함)",
            counts.emails_not_merged,
        ),
        ("comments imported / 댓글 추가", counts.comments_imported),
        (
            "comments already present / 댓글 기존",
            counts.comments_present,
        ),
        (
            "comments held by the text rule / 보류",
            counts.comments_held,
        ),
        (
            "orphan replies made top-level / 부모 없는 답글",
            counts.orphans,
        ),
        ("reactions imported / 공감", counts.reactions_imported),
        ("reports imported / 신고", counts.reports_imported),
        ("sanctions imported / 제재", counts.sanctions_imported),
        ("log lines imported / 기록", counts.log_lines_imported),
        ("records skipped (unknown target) / 건너뜀", counts.skipped),
    ];
    for (what, count) in rows {
        println!("{what}: {count}");
    }
}

/// A refusal as the command line says it: its code, then what happened.
fn refused(error: impl Refusal) -> anyhow::Error {
    anyhow::anyhow!("{}: {error}", error.code())
}

/// A URL as it may be printed: without its password.
fn hide_password(url: &str) -> String {
    match url.split_once("://").and_then(|(scheme, rest)| {
        let (login, host) = rest.split_once('@')?;
        let user = login.split(':').next()?;
        Some(format!("{scheme}://{user}@{host}"))
    }) {
        Some(shown) => shown,
        None => url.to_owned(),
    }
}
