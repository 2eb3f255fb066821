//! Small read caches in front of the hottest lookups (sessions, the article a
//! comment is posted to, an author's sanctions), so a post does not pay a
//! round trip to SQLite for facts that change rarely.
//!
//! Both engines keep them. Each `Memo` is emptied by the store's own writes to
//! what it holds, and on PostgreSQL also when another process announces a
//! write to it (by its `Kind`). A
//! reader notes the memo's version before it queries and keeps its answer
//! only if no write came in between, so an answer read before a revocation
//! can never be kept after it.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Mutex, RwLock};

use chrono::{DateTime, Utc};

use crate::domain::accounts::User;
use crate::domain::articles::Article;
use crate::domain::ids::AccountId;
use crate::domain::moderation::Sanction;

/// The memos a store keeps.
pub(crate) struct Memos {
    /// Live sessions by token hash.
    pub sessions: Memo<[u8; 32], KnownSession>,
    /// Articles as posting needs them (open, premoderated); their comment
    /// counts are not kept current here.
    pub articles: Memo<String, Article>,
    /// The sanction in force on an account, or none.
    pub sanctions: Memo<AccountId, Option<Sanction>>,
    /// Session uses newer than their stored `last_seen_at`; not a memo of the
    /// database, so invalidating the memos leaves it alone.
    pub session_uses: SessionUses,
}

impl Memos {
    pub fn new() -> Memos {
        Memos {
            sessions: Memo::new(),
            articles: Memo::new(),
            sanctions: Memo::new(),
            session_uses: SessionUses::default(),
        }
    }
}

impl Memos {
    pub fn invalidate(&self, kind: Kind) {
        match kind {
            Kind::Sessions => self.sessions.invalidate(),
            Kind::Articles => self.articles.invalidate(),
            Kind::Sanctions => self.sanctions.invalidate(),
        }
    }
}

/// A memo by name, as a write announces what it made stale.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Sessions,
    Articles,
    Sanctions,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::Sessions, Kind::Articles, Kind::Sanctions];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Sessions => "sessions",
            Kind::Articles => "articles",
            Kind::Sanctions => "sanctions",
        }
    }

    pub fn parse(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|kind| kind.name() == name)
    }
}

#[derive(Clone)]
pub(crate) struct KnownSession {
    pub user: User,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub signed_in_with: Option<String>,
}

/// Entries kept at most; past this the memo starts again empty.
const MAX_ENTRIES: usize = 100_000;

pub(crate) struct Memo<K, V> {
    state: RwLock<State<K, V>>,
}

struct State<K, V> {
    version: u64,
    entries: HashMap<K, V>,
}

impl<K: Hash + Eq, V: Clone> Memo<K, V> {
    pub fn new() -> Memo<K, V> {
        Memo {
            state: RwLock::new(State {
                version: 0,
                entries: HashMap::new(),
            }),
        }
    }

    pub fn get(&self, key: &K) -> Option<V> {
        let state = self.state.read().unwrap_or_else(|e| e.into_inner());
        state.entries.get(key).cloned()
    }

    /// The version to hand back to `keep` with the answer of a query.
    pub fn version(&self) -> u64 {
        self.state.read().unwrap_or_else(|e| e.into_inner()).version
    }

    /// Keeps an answer read at `version`, unless a write has come since.
    pub fn keep(&self, key: K, value: V, version: u64) {
        let mut state = self.state.write().unwrap_or_else(|e| e.into_inner());
        if state.version != version {
            return;
        }
        if state.entries.len() >= MAX_ENTRIES {
            state.entries.clear();
        }
        state.entries.insert(key, value);
    }

    /// Changes an entry in place, if it is there.
    pub fn update(&self, key: &K, change: impl FnOnce(&mut V)) {
        let mut state = self.state.write().unwrap_or_else(|e| e.into_inner());
        if let Some(value) = state.entries.get_mut(key) {
            change(value);
        }
    }

    /// Forgets everything; call after the write has committed.
    pub fn invalidate(&self) {
        let mut state = self.state.write().unwrap_or_else(|e| e.into_inner());
        state.version += 1;
        state.entries.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_read_before_a_write_is_not_kept() {
        let memo: Memo<u32, &str> = Memo::new();
        let before = memo.version();
        memo.invalidate();

        memo.keep(1, "stale", before);
        assert_eq!(memo.get(&1), None);

        memo.keep(1, "fresh", memo.version());
        assert_eq!(memo.get(&1), Some("fresh"));
        memo.invalidate();
        assert_eq!(memo.get(&1), None);
    }
}

/// Uses held at most; past this, the caller is told to write the use at once.
const MAX_USES: usize = 100_000;

/// The latest use of each session whose `last_seen_at` write is still to come.
#[derive(Default)]
pub(crate) struct SessionUses(Mutex<HashMap<[u8; 32], DateTime<Utc>>>);

impl SessionUses {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<[u8; 32], DateTime<Utc>>> {
        // Only timestamps: one left by a panicking thread is still usable.
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn latest(&self, hash: &[u8; 32]) -> Option<DateTime<Utc>> {
        self.lock().get(hash).copied()
    }

    /// `false` when full even of live uses: then the use must be written now.
    pub(crate) fn note(
        &self,
        hash: [u8; 32],
        now: DateTime<Utc>,
        idle_cutoff: DateTime<Utc>,
    ) -> bool {
        let mut uses = self.lock();
        if uses.len() >= MAX_USES && !uses.contains_key(&hash) {
            // A use before the cutoff no longer keeps any session alive.
            uses.retain(|_, used| *used > idle_cutoff);
            if uses.len() >= MAX_USES {
                return false;
            }
        }
        let latest = uses.entry(hash).or_insert(now);
        *latest = (*latest).max(now);
        true
    }

    /// Forgets the use once a write of `written` covers it.
    pub(crate) fn written(&self, hash: &[u8; 32], written: DateTime<Utc>) {
        let mut uses = self.lock();
        if uses.get(hash).is_some_and(|used| *used <= written) {
            uses.remove(hash);
        }
    }
}
