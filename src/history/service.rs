//! The history service: whether histories are open, and one page of one.

use std::sync::Arc;

use chrono::Utc;

use crate::config::Settings;
use crate::domain::history::{AuthorSummary, HistoryComment, HistoryError};
use crate::domain::ids::AccountId;
use crate::domain::paging::Paging;
use crate::storage::{CommentPage, Store};

#[derive(Clone)]
pub struct History {
    store: Arc<dyn Store>,
    public: bool,
}

impl History {
    pub fn new(store: Arc<dyn Store>, settings: &Settings) -> History {
        History {
            store,
            public: settings.author_history_public,
        }
    }

    /// The author's counts and a page of their published comments, newest first.
    pub async fn of(
        &self,
        raw_id: &str,
        paging: Paging,
    ) -> Result<(AuthorSummary, CommentPage<HistoryComment>), HistoryError> {
        if !self.public {
            return Err(HistoryError::NotPublic);
        }
        let id = AccountId::parse(raw_id).ok_or(HistoryError::UserNotFound)?;
        let summary = self
            .store
            .author_summary(id, Utc::now())
            .await?
            .ok_or(HistoryError::UserNotFound)?;
        let page = self.store.author_comments(id, &paging).await?;
        Ok((summary, page))
    }
}
