//! How comments and accounts appear in answers: the body shapes and headers
//! that several routes, and the `already_decided` problem, share. Ids are strings to clients.

use actix_web::http::header;
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::accounts::{Role, User};
use crate::domain::desk::ArticleBrief;
pub use crate::domain::views::{AuthorView, CommentView};

/// On every answer that carries a token or follows a credential change: no
/// cache, shared or private, may keep it.
pub const NO_STORE: (header::HeaderName, &str) = (header::CACHE_CONTROL, "no-store");

/// `{id, display_name, role}`: how an account appears to others.
#[derive(Serialize, ToSchema)]
pub struct UserView {
    pub id: String,
    pub display_name: String,
    pub role: Role,
}

impl From<&User> for UserView {
    fn from(user: &User) -> Self {
        UserView {
            id: user.id.to_string(),
            display_name: user.display_name.clone(),
            role: user.role,
        }
    }
}

/// `{id, title, url}`: an editorial named beside a comment on the desk.
#[derive(Serialize, ToSchema)]
pub struct ArticleBriefView {
    pub id: String,
    pub title: String,
    pub url: String,
}

impl From<ArticleBrief> for ArticleBriefView {
    fn from(a: ArticleBrief) -> Self {
        ArticleBriefView {
            id: a.id,
            title: a.title,
            url: a.url,
        }
    }
}
