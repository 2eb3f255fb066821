//! Accounts and sessions: register, log in, log out, and who a token belongs to.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::auth::password::Hasher;
use crate::auth::session::{NewSession, TokenHash};
use crate::auth::throttle::LoginThrottle;
use crate::config::Settings;
use crate::domain::accounts::{
    AccountError, DisplayName, Email, Password, Role, User, refused_name, skeleton, staff_lookalike,
};
use crate::domain::identities::{Identity, Profile, SignInError, subject_hint};
use crate::domain::ids::AccountId;
use crate::policy::LivePolicy;
use crate::rate_limit::RegisterThrottle;
use crate::storage::{
    AccountInsert, IdentityInsert, Linked, NewProviderAccount, SessionInsert, Store, Unlinked,
};
use crate::telemetry::metrics;

#[derive(Clone)]
/// What a reader sends to register, before any of it is checked.
pub struct Registration {
    pub email: String,
    pub display_name: String,
    pub password: String,
}

pub struct Auth {
    store: Arc<dyn Store>,
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
/// The metrics' provider label of a sign-in by email and password.
const LOCAL_LOGIN: &str = "local";

const TOUCH_INTERVAL: Duration = Duration::from_secs(60);

impl Auth {
    pub fn new(
        store: Arc<dyn Store>,
        hasher: Hasher,
        policy: Arc<LivePolicy>,
        settings: &Settings,
    ) -> Auth {
        Auth {
            store: store.clone(),
            hasher,
            policy,
            throttle: Arc::new(LoginThrottle::new(
                settings.rate_limits,
                store.clone(),
                settings.login_free_attempts,
                settings.login_max_delay,
            )),
            registrations: Arc::new(RegisterThrottle::new(
                settings.rate_limits,
                store.clone(),
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
                email: Some(email.as_str()),
                display_name: display_name.as_str(),
                password_hash: Some(&password_hash),
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
            .await?
            .map_err(|retry_after| AccountError::RateLimited { retry_after })?;
        let email = Email::parse(&form.email)?;
        let display_name = DisplayName::parse(&form.display_name)?;
        let password = Password::choose(form.password, Some(email.as_str()), &display_name)?;
        let user = self
            .create_account(email, display_name, password, Role::Reader)
            .await?;
        let session = self.start_session(&user, None).await?;
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
        let outcome = self.check_login(email, password, client).await;
        metrics::login(LOCAL_LOGIN, outcome.is_ok());
        outcome
    }

    async fn check_login(
        &self,
        email: &str,
        password: Password,
        client: IpAddr,
    ) -> Result<(User, NewSession), AccountError> {
        let key = email.trim().to_lowercase();
        // Counted as a failure before the slow hash, refunded on success.
        self.throttle
            .reserve(&key, client)
            .await?
            .map_err(|retry_after| AccountError::TooManyAttempts { retry_after })?;
        let found = match Email::parse(email) {
            Ok(email) => self.store.account_by_email(email.as_str()).await?,
            Err(_) => None,
        };
        let (user, stored_hash) = match found {
            Some((user, hash)) => (Some(user), hash),
            None => (None, None),
        };
        let verified = self.hasher.verify(&password, stored_hash).await?;
        match user {
            Some(user) if verified => {
                self.throttle.succeeded(&key, client).await?;
                let session = self.start_session(&user, None).await?;
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
        let stored = self.store.password_hash(user.id).await?;
        if !self.hasher.verify(&current, stored).await? {
            return Err(AccountError::WrongPassword);
        }
        let name = DisplayName::parse(&user.display_name)?;
        let new = Password::choose(new, user.email.as_deref(), &name)?;
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

    /// The login throttle, shared with the erasure of accounts.
    pub fn login_throttle(&self) -> Arc<LoginThrottle> {
        self.throttle.clone()
    }

    /// Sessions last used before this are over.
    fn idle_cutoff(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        now - chrono::Duration::from_std(self.idle_timeout).unwrap_or_default()
    }

    /// The user behind a session, if it is still live. Unlike `authenticate`
    /// this is no use of the session: a stream that asks it again and again
    /// does not keep an idle session alive.
    pub async fn session_user(&self, session: TokenHash) -> Result<Option<User>, AccountError> {
        let now = Utc::now();
        let idle_cutoff = self.idle_cutoff(now);
        let found = self.store.live_session(session, now, idle_cutoff).await?;
        Ok(found.map(|found| found.user))
    }

    /// The user behind a token, if the session is live; every use moves its idle limit.
    pub async fn authenticate(
        &self,
        token: &str,
    ) -> Result<Option<(User, TokenHash)>, AccountError> {
        let hash = TokenHash::of(token);
        let now = Utc::now();
        let idle_cutoff = self.idle_cutoff(now);
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

    /// Signs in the account behind (provider, subject), making it at the first
    /// sign-in; with `link`, adds the identity to that account instead. The
    /// email never finds an existing account: only the identity does.
    pub async fn sign_in_with(
        &self,
        provider: &str,
        profile: Profile,
        link: Option<AccountId>,
        client: IpAddr,
    ) -> Result<(User, NewSession), SignInError> {
        let outcome = self.account_for(provider, profile, link, client).await;
        metrics::login(provider, outcome.is_ok());
        outcome
    }

    async fn account_for(
        &self,
        provider: &str,
        profile: Profile,
        link: Option<AccountId>,
        client: IpAddr,
    ) -> Result<(User, NewSession), SignInError> {
        let hint = subject_hint(&profile.subject, profile.email.as_deref());
        let identity = IdentityInsert {
            provider,
            subject: &profile.subject,
            subject_hint: &hint,
            now: Utc::now(),
        };
        let user = match link {
            Some(account_id) => self.link(account_id, identity).await?,
            None => match self
                .store
                .account_by_identity(provider, &profile.subject)
                .await?
            {
                Some(user) => user,
                None => {
                    self.registrations
                        .check(client)
                        .await?
                        .map_err(|retry_after| AccountError::RateLimited { retry_after })?;
                    let name = self.provider_name(profile.name.as_deref()).await?;
                    let email = profile
                        .email
                        .as_deref()
                        .and_then(|email| Email::parse(email).ok());
                    let account = NewProviderAccount {
                        email: email.as_ref().map(Email::as_str),
                        display_name: &name,
                        role: Role::Reader,
                        now: Utc::now(),
                    };
                    self.store
                        .insert_account_with_identity(account, identity)
                        .await?
                }
            },
        };
        let session = self.start_session(&user, Some(provider)).await?;
        Ok((user, session))
    }

    async fn link(
        &self,
        account_id: AccountId,
        identity: IdentityInsert<'_>,
    ) -> Result<User, SignInError> {
        match self.store.link_identity(account_id, identity).await? {
            Linked::Linked | Linked::AlreadyThis => {}
            Linked::InUse => return Err(SignInError::IdentityInUse),
            Linked::ProviderTaken => return Err(SignInError::AlreadyLinked),
        }
        let user = self.store.account(account_id).await?;
        Ok(user.ok_or(AccountError::SessionEnded)?)
    }

    /// The provider's name if it passes the text rule and the policy, else a
    /// neutral one the reader can change: a refused name is never stored.
    async fn provider_name(&self, given: Option<&str>) -> Result<String, AccountError> {
        let trimmed: Option<String> = given.map(|name| name.trim().chars().take(30).collect());
        if let Some(Ok(name)) = trimmed.as_deref().map(DisplayName::parse) {
            match self.check_name(&name, Role::Reader).await {
                Ok(()) => return Ok(name.as_str().to_owned()),
                Err(AccountError::Internal(error)) => return Err(AccountError::Internal(error)),
                Err(_) => {}
            }
        }
        Ok(generated_name())
    }

    pub async fn identities(&self, user: &User) -> Result<Vec<Identity>, SignInError> {
        Ok(self.store.identities_of(user.id).await?)
    }

    /// Never the last way in: a password counts as one.
    pub async fn unlink(&self, user: &User, provider: &str) -> Result<(), SignInError> {
        match self.store.unlink_identity(user.id, provider).await? {
            Unlinked::Removed => Ok(()),
            Unlinked::LastWayIn => Err(SignInError::LastSignInMethod),
            Unlinked::NotLinked => Err(SignInError::NotLinked),
        }
    }

    /// A new name for the account, held to the same rules as at registration.
    pub async fn rename(&self, user: &User, name: &str) -> Result<User, AccountError> {
        let name = DisplayName::parse(name)?;
        self.check_name(&name, user.role).await?;
        self.store.set_display_name(user.id, name.as_str()).await?;
        Ok(User {
            display_name: name.as_str().to_owned(),
            ..user.clone()
        })
    }

    /// `provider` names the provider that signed the account in; `None` for a password.
    async fn start_session(
        &self,
        user: &User,
        provider: Option<&str>,
    ) -> Result<NewSession, AccountError> {
        let now = Utc::now();
        let expires_at = now + chrono::Duration::from_std(self.max_age).unwrap_or_default();
        let session = NewSession::generate(expires_at);
        self.store
            .insert_session(SessionInsert {
                hash: session.hash,
                account_id: user.id,
                now,
                expires_at,
                signed_in_with: provider.map(str::to_owned),
            })
            .await?;
        Ok(session)
    }
}

/// `독자` and six digits: neutral, and unlikely to be taken twice.
fn generated_name() -> String {
    use rand::Rng;
    format!("독자{:06}", rand::thread_rng().gen_range(0..1_000_000))
}
