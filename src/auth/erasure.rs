//! A reader deletes their account (the right to erasure of the GDPR and
//! Korea's PIPA): proven by the password, or by a fresh provider sign-in for
//! an account without one, then erased in one unit of work by storage.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::auth::password::Hasher;
use crate::auth::throttle::LoginThrottle;
use crate::config::Settings;
use crate::domain::accounts::{Password, TokenHash, User};
use crate::domain::data_rights::{CommentsOnErasure, DataRightsError, Erased, Erasure};
use crate::domain::ids::AccountId;
use crate::rate_limit::Throttle;
use crate::storage::Store;

pub struct DataRights {
    pub(super) store: Arc<dyn Store>,
    hasher: Hasher,
    login_throttle: Arc<LoginThrottle>,
    comments: CommentsOnErasure,
    sign_in_window: Duration,
    pub(super) exports: Throttle<AccountId>,
}

impl DataRights {
    pub fn new(
        store: Arc<dyn Store>,
        hasher: Hasher,
        login_throttle: Arc<LoginThrottle>,
        settings: &Settings,
    ) -> DataRights {
        DataRights {
            store: store.clone(),
            hasher,
            login_throttle,
            comments: settings.deletion_comments,
            sign_in_window: settings.deletion_sign_in_window,
            exports: Throttle::new(
                settings.rate_limits,
                store.clone(),
                "export:",
                settings.export_limit,
            ),
        }
    }

    /// Deletes the caller's account. With a password, only the password
    /// proves it is the owner (a stolen session alone is not enough); without
    /// one, the session must be a provider's sign-in of the last few minutes.
    pub async fn delete_account(
        &self,
        user: &User,
        session: TokenHash,
        password: Option<String>,
    ) -> Result<Erased, DataRightsError> {
        self.prove_owner(user, session, password).await?;
        let erased = self
            .store
            .erase_account(Erasure {
                account_id: user.id,
                comments: self.comments,
                now: Utc::now(),
            })
            .await?;
        match erased {
            Erased::Done { .. } => {
                if let Some(email) = &user.email {
                    // The account is gone already; its counts expire soon anyway.
                    if let Err(error) = self.login_throttle.forget_account(email).await {
                        tracing::warn!(error = %error, "cannot forget an erased account's login counts");
                    }
                }
                Ok(erased)
            }
            Erased::Gone => Err(DataRightsError::Gone),
            Erased::LastAdmin => Err(DataRightsError::LastAdmin),
        }
    }

    async fn prove_owner(
        &self,
        user: &User,
        session: TokenHash,
        password: Option<String>,
    ) -> Result<(), DataRightsError> {
        if let Some(stored) = self.store.password_hash(user.id).await? {
            let given = Password::any(password.unwrap_or_default());
            let verified = self.hasher.verify(&given, Some(stored)).await?;
            return if verified {
                Ok(())
            } else {
                Err(DataRightsError::WrongPassword)
            };
        }
        let now = Utc::now();
        let found = self
            .store
            .live_session(session, now, DateTime::<Utc>::MIN_UTC)
            .await?
            .ok_or(DataRightsError::Gone)?;
        let age = (now - found.created_at).to_std().unwrap_or_default();
        if found.signed_in_with.is_some() && age <= self.sign_in_window {
            Ok(())
        } else {
            Err(DataRightsError::SignInAgain)
        }
    }
}
