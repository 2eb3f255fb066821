//! The session cookie: its name, and the cookies that set and remove it.

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use chrono::Utc;

use crate::auth::session::NewSession;

/// The session cookie over plain http (`COOKIE_SECURE=false`, local only).
pub const COOKIE_NAME: &str = "comment_desk_session";
/// The session cookie over https. Browsers accept a `__Host-` cookie only when
/// it is Secure, for `Path=/` and without `Domain`, so no sibling subdomain can
/// set or shadow it.
pub const SECURE_COOKIE_NAME: &str = "__Host-comment_desk_session";

/// The name the session cookie is set and read under.
pub fn cookie_name(secure: bool) -> &'static str {
    if secure {
        SECURE_COOKIE_NAME
    } else {
        COOKIE_NAME
    }
}

/// The cookie that carries a new session's token.
pub fn session_cookie(session: &NewSession, secure: bool) -> Cookie<'static> {
    let seconds = (session.expires_at - Utc::now()).num_seconds().max(0);
    base_cookie(session.token.clone(), secure)
        .max_age(CookieDuration::seconds(seconds))
        .finish()
}

/// A cookie that tells the browser to forget the session.
pub fn removal_cookie(secure: bool) -> Cookie<'static> {
    let mut cookie = base_cookie(String::new(), secure).finish();
    cookie.make_removal();
    cookie
}

fn base_cookie(value: String, secure: bool) -> actix_web::cookie::CookieBuilder<'static> {
    Cookie::build(cookie_name(secure), value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cookie_is_http_only_and_lax() {
        let cookie = session_cookie(
            &NewSession::generate(Utc::now() + chrono::Duration::days(1)),
            true,
        );
        let text = cookie.to_string();
        for part in ["HttpOnly", "SameSite=Lax", "Secure", "Path=/", "Max-Age="] {
            assert!(text.contains(part), "{text} lacks {part}");
        }
        assert!(
            text.starts_with("__Host-") && !text.contains("Domain"),
            "{text}"
        );
        let plain = removal_cookie(false).to_string();
        assert!(plain.starts_with("comment_desk_session=") && !plain.contains("Secure"));
    }
}
