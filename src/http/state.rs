//! `AppState`: what every handler can reach.

use crate::domain::comments::Comment;
use crate::history::History;
use crate::http::views::CommentView;
use std::sync::Arc;

use crate::articles::Articles;
use crate::auth::Auth;
use crate::auth::erasure::DataRights;
use crate::auth::sign_in::SignIn;
use crate::comments::Comments;
use crate::config::Settings;
use crate::moderation::{Desk, EventHub, Moderation};
use crate::policy::LivePolicy;
use crate::reactions::service::Reactions;
use crate::storage::Store;
use crate::webhooks::DeliveryLog;

/// What every handler can reach.
pub struct AppState {
    pub settings: Settings,
    pub store: Arc<dyn Store>,
    pub articles: Articles,
    pub auth: Auth,
    pub data_rights: DataRights,
    pub sign_in: SignIn,
    pub comments: Comments,
    pub reactions: Reactions,
    pub policy: Arc<LivePolicy>,
    pub moderation: Moderation,
    pub desk: Desk,
    /// Live moderation events, for the desks' streams.
    pub events: Arc<EventHub>,
    pub history: History,
    /// The webhook delivery log and redelivery.
    pub webhooks: DeliveryLog,
}

impl AppState {
    /// A comment as every answer shows it, with the history link if histories are public.
    pub fn comment_view(&self, comment: Comment) -> CommentView {
        CommentView::from(comment).with_history(self.settings.author_history_public)
    }
}
