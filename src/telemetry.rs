//! Logging with `tracing`: `RUST_LOG` chooses what is written.

pub mod metrics;

use tracing_subscriber::EnvFilter;

use crate::config::ConfigError;

const DEFAULT_FILTER: &str = "info,sqlx=warn";

/// Installs the global subscriber. A bad `RUST_LOG` is a configuration error.
pub fn init(
    writer: impl for<'w> tracing_subscriber::fmt::MakeWriter<'w> + Send + Sync + 'static,
) -> Result<(), ConfigError> {
    let filter = match std::env::var("RUST_LOG") {
        Ok(value) if !value.trim().is_empty() => {
            EnvFilter::try_new(&value).map_err(|e| ConfigError {
                name: "RUST_LOG".into(),
                problem: format!("is not a valid log filter: {e}"),
            })?
        }
        _ => EnvFilter::new(DEFAULT_FILTER),
    };
    // Another subscriber already installed (a second test in one process) is fine.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .try_init();
    Ok(())
}
