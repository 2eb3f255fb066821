//! `AppState`: what every handler can reach.

use std::sync::Arc;

use crate::articles::Articles;
use crate::auth::Auth;
use crate::comments::Comments;
use crate::config::Settings;
use crate::moderation::Moderation;
use crate::policy::LivePolicy;
use crate::reactions::service::Reactions;
use crate::storage::Store;

/// What every handler can reach.
pub struct AppState {
    pub settings: Settings,
    pub store: Arc<dyn Store>,
    pub articles: Articles,
    pub auth: Auth,
    pub comments: Comments,
    pub reactions: Reactions,
    pub policy: Arc<LivePolicy>,
    pub moderation: Moderation,
}
