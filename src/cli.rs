//! The command line: `serve` (the default), `migrate`, `user create`.

use std::io::Read;
use std::sync::Arc;

use anyhow::Context;
use chrono::Utc;
use clap::{Parser, Subcommand, ValueEnum};

use crate::auth::{Auth, Hasher};
use crate::config::Settings;
use crate::domain::accounts::{DisplayName, Email, Password, Role};
use crate::domain::refusal::Refusal;
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
                crate::storage::open(&settings.database_url, settings.sqlite_synchronous).await?;
            store.close().await;
            println!("migrations applied to {}", settings.database_url);
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
    let store = crate::storage::open(&settings.database_url, settings.sqlite_synchronous).await?;
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

/// A refusal as the command line says it: its code, then what happened.
fn refused(error: impl Refusal) -> anyhow::Error {
    anyhow::anyhow!("{}: {error}", error.code())
}
