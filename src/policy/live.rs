//! The policy in force, replaced whole on SIGHUP.
//!
//! Requests take a snapshot (`get`) and keep it to the end, so a reload never
//! changes the rules under a request half-way. A file that does not load on
//! reload leaves the old policy in force, and the log says why.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arc_swap::ArcSwap;

use crate::config::ConfigError;
use crate::policy::{Policy, file};

pub struct LivePolicy {
    current: ArcSwap<Policy>,
    path: Option<PathBuf>,
}

impl LivePolicy {
    /// The policy file if one is given, else the built-in policy.
    pub fn load(path: Option<&Path>) -> Result<LivePolicy, ConfigError> {
        let policy = read(path).map_err(|problem| ConfigError {
            name: "POLICY_FILE".into(),
            problem,
        })?;
        Ok(LivePolicy {
            current: ArcSwap::from_pointee(policy),
            path: path.map(Path::to_path_buf),
        })
    }

    pub fn get(&self) -> Arc<Policy> {
        self.current.load_full()
    }

    /// Reads the file again; on error the policy in force stays.
    pub fn reload(&self) -> Result<(), String> {
        let policy = read(self.path.as_deref())?;
        self.current.store(Arc::new(policy));
        Ok(())
    }
}

fn read(path: Option<&Path>) -> Result<Policy, String> {
    match path {
        None => file::built_in().map_err(|e| e.to_string()),
        Some(path) => {
            let name = path.display().to_string();
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("{name}: cannot be read: {e}"))?;
            file::from_file(&name, &text).map_err(|e| e.to_string())
        }
    }
}

/// Reloads the policy each time the process receives SIGHUP.
pub fn reload_on_sighup(live: Arc<LivePolicy>) -> std::io::Result<()> {
    let mut hangups = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())?;
    tokio::spawn(async move {
        while hangups.recv().await.is_some() {
            match live.reload() {
                Ok(()) => tracing::info!("standards policy reloaded"),
                Err(error) => {
                    tracing::warn!(%error, "standards policy not reloaded; the previous policy stays in force")
                }
            }
        }
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_file_on_reload_keeps_the_policy_in_force() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("policy.toml");
        std::fs::write(&path, "[new_commenters]\nhold_first = 2\n").unwrap();
        let live = LivePolicy::load(Some(&path)).unwrap();
        assert_eq!(live.get().new_commenter_hold, 2);

        std::fs::write(&path, "[new_commenters]\nhold_first = 3\n").unwrap();
        live.reload().unwrap();
        assert_eq!(live.get().new_commenter_hold, 3);

        std::fs::write(&path, "[new_commenters]\nhold_first = \"many\"\n").unwrap();
        let error = live.reload().unwrap_err();
        assert!(error.contains("policy.toml:2"), "{error}");
        assert_eq!(live.get().new_commenter_hold, 3, "the old policy stays");
    }

    #[test]
    fn a_bad_file_at_start_up_names_the_variable() {
        let error = LivePolicy::load(Some(Path::new("/nonexistent/policy.toml")))
            .err()
            .unwrap();
        assert_eq!(error.name, "POLICY_FILE");
    }
}
