//! Accounts and sessions: register, log in, log out, and who a token belongs to.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;

use crate::auth::password::Hasher;
use crate::auth::session::{NewSession, TokenHash};
use crate::auth::throttle::LoginThrottle;
use crate::config::Settings;
use crate::domain::accounts::{
    AccountError, DisplayName, Email, Password, Role, User, refused_name, skeleton, staff_lookalike,
};
use crate::policy::LivePolicy;
use crate::rate_limit::RegisterThrottle;
use crate::storage::{AccountInsert, Store};

#[derive(Clone)]
/// What a reader sends to register, before any of it is checked.
pub struct Registration {
    pub email: String,
    pub display_name: String,
    pub password: String,
}

pub struct Auth {
    store: Store,
    hasher: Hasher,
    /// Display names pass the same standards policy as comments.
    policy: Arc<LivePolicy>,
    throttle: Arc<LoginThrottle>,
    registrations: Arc<RegisterThrottle>,
    idle_timeout: Duration,
    touch_interval: Duration,
    max_age: Duration,
}

/// A session's last use is written at most this often (or a tenth of the idle
/// timeout, if shorter), so a reader browsing comments does not cost a write
/// per request. Every use still moves the idle deadline at once, in memory;
/// the interval only bounds what a restart can forget.
const TOUCH_INTERVAL: Duration = Duration::from_secs(60);

impl Auth {
    pub fn new(store: Store, hasher: Hasher, policy: Arc<LivePolicy>, settings: &Settings) -> Auth {
        Auth {
            store,
            hasher,
            policy,
            throttle: Arc::new(LoginThrottle::new(
                settings.rate_limits,
                settings.login_free_attempts,
                settings.login_max_delay,
            )),
            registrations: Arc::new(RegisterThrottle::new(
                settings.rate_limits,
                settings.register_limit,
                settings.register_burst,
            )),
            idle_timeout: settings.session_idle_timeout,
            touch_interval: (settings.session_idle_timeout / 10).min(TOUCH_INTERVAL),
            max_age: settings.session_max_age,
        }
    }

    /// Creates an account; `role` is reader for everyone who registers over HTTP.
    pub async fn create_account(
        &self,
        email: Email,
        display_name: DisplayName,
        password: Password,
        role: Role,
    ) -> Result<User, AccountError> {
        self.check_name(&display_name, role).await?;
        let password_hash = self.hasher.hash(&password).await?;
        self.store
            .insert_account(AccountInsert {
                email: email.as_str(),
                display_name: display_name.as_str(),
                password_hash: &password_hash,
                role,
                now: Utc::now(),
            })
            .await?
            .ok_or(AccountError::EmailTaken)
    }

    /// A new name passes the standards policy, and a reader's does not look
    /// like a staff member's: staff names are reserved.
    async fn check_name(&self, name: &DisplayName, role: Role) -> Result<(), AccountError> {
        if let Some(finding) = self.policy.get().scan(name.as_str()).first() {
            return Err(refused_name(finding));
        }
        if role == Role::Reader {
            let looks = name.skeleton();
            let staff = self.store.staff_names().await?;
            if staff.iter().any(|staff| skeleton(staff) == looks) {
                return Err(staff_lookalike());
            }
        }
        Ok(())
    }

    /// A reader registers from `client`: counted against the client network's
    /// registrations first, then the values are checked.
    pub async fn register(
        &self,
        form: Registration,
        client: IpAddr,
    ) -> Result<(User, NewSession), AccountError> {
        self.registrations
            .check(client)
            .map_err(|retry_after| AccountError::RateLimited { retry_after })?;
        let email = Email::parse(&form.email)?;
        let display_name = DisplayName::parse(&form.display_name)?;
        let password = Password::choose(form.password, &email, &display_name)?;
        let user = self
            .create_account(email, display_name, password, Role::Reader)
            .await?;
        let session = self.start_session(&user).await?;
        Ok((user, session))
    }

    /// The same answer, after the same work, for an unknown email and a wrong
    /// password; repeated failures from one address wait longer and longer,
    /// whether they come one after another or all at once.
    pub async fn login(
        &self,
        email: &str,
        password: Password,
        client: IpAddr,
    ) -> Result<(User, NewSession), AccountError> {
        let key = email.trim().to_lowercase();
        // Counted as a failure before the slow hash, refunded on success.
        self.throttle
            .reserve(&key, client)
            .map_err(|retry_after| AccountError::TooManyAttempts { retry_after })?;
        let found = match Email::parse(email) {
            Ok(email) => self.store.account_by_email(email.as_str()).await?,
            Err(_) => None,
        };
        let (user, stored_hash) = match found {
            Some((user, hash)) => (Some(user), Some(hash)),
            None => (None, None),
        };
        let verified = self.hasher.verify(&password, stored_hash).await?;
        match user {
            Some(user) if verified => {
                self.throttle.succeeded(&key, client);
                let session = self.start_session(&user).await?;
                Ok((user, session))
            }
            _ => Err(AccountError::InvalidCredentials),
        }
    }

    /// Ends every session of the account, this one included.
    pub async fn logout_everywhere(&self, user: &User) -> Result<(), AccountError> {
        self.store
            .revoke_sessions_of(user.id, None, Utc::now())
            .await?;
        Ok(())
    }

    /// Checks the current password, stores the new one, and ends every other
    /// session: whoever knew the old password is logged out.
    pub async fn change_password(
        &self,
        user: &User,
        session: TokenHash,
        current: Password,
        new: String,
    ) -> Result<(), AccountError> {
        let (_, stored) = self
            .store
            .account_by_email(&user.email)
            .await?
            .ok_or(AccountError::SessionEnded)?;
        if !self.hasher.verify(&current, Some(stored)).await? {
            return Err(AccountError::WrongPassword);
        }
        let email = Email::parse(&user.email)?;
        let name = DisplayName::parse(&user.display_name)?;
        let new = Password::choose(new, &email, &name)?;
        let hash = self.hasher.hash(&new).await?;
        self.store.set_password_hash(user.id, &hash).await?;
        self.store
            .revoke_sessions_of(user.id, Some(session), Utc::now())
            .await?;
        Ok(())
    }

    pub async fn logout(&self, session: TokenHash) -> Result<(), AccountError> {
        self.store.revoke_session(session, Utc::now()).await?;
        Ok(())
    }

    /// The user behind a token, if the session is live; every use moves its idle limit.
    pub async fn authenticate(
        &self,
        token: &str,
    ) -> Result<Option<(User, TokenHash)>, AccountError> {
        let hash = TokenHash::of(token);
        let now = Utc::now();
        let idle_cutoff = now - chrono::Duration::from_std(self.idle_timeout).unwrap_or_default();
        let Some(found) = self.store.live_session(hash, now, idle_cutoff).await? else {
            return Ok(None);
        };
        let kept = self.store.note_session_use(hash, now, idle_cutoff);
        let unwritten = (now - found.last_seen_at).to_std().unwrap_or_default();
        if !kept || unwritten > self.touch_interval {
            self.store.touch_session(hash, now).await?;
        }
        Ok(Some((found.user, hash)))
    }

    async fn start_session(&self, user: &User) -> Result<NewSession, AccountError> {
        let now = Utc::now();
        let expires_at = now + chrono::Duration::from_std(self.max_age).unwrap_or_default();
        let session = NewSession::generate(expires_at);
        self.store
            .insert_session(session.hash, user.id, now, expires_at)
            .await?;
        Ok(session)
    }
}
