//! Quotas: how much one account may write in a day, as Korean portals count
//! it (comments a day, comments on one editorial a day, an interval between
//! comments, reactions a day, a wait before a new account's first comment).
//! The day starts at midnight at the policy's UTC offset, not the server's.

use std::time::Duration;

use chrono::{DateTime, FixedOffset, NaiveTime, TimeZone, Utc};

use crate::domain::accounts::User;
use crate::domain::message::Text;
use crate::domain::refusal::Details;

/// The policy's `[quotas]`; a zero turns that quota off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quotas {
    pub comments_per_day: u32,
    pub comments_per_article: u32,
    pub min_interval: Duration,
    pub reactions_per_day: u32,
    pub new_account_wait: Duration,
    pub day_starts: FixedOffset,
}

impl Quotas {
    /// Every quota off.
    pub fn none() -> Quotas {
        Quotas {
            comments_per_day: 0,
            comments_per_article: 0,
            min_interval: Duration::ZERO,
            reactions_per_day: 0,
            new_account_wait: Duration::ZERO,
            day_starts: FixedOffset::east_opt(0).expect("UTC"),
        }
    }

    /// The quota day that holds `now`.
    pub fn day(&self, now: DateTime<Utc>) -> Day {
        let local = now.with_timezone(&self.day_starts);
        let midnight = local.date_naive().and_time(NaiveTime::MIN);
        let start = self
            .day_starts
            .from_local_datetime(&midnight)
            .single()
            .expect("a fixed offset has one midnight")
            .with_timezone(&Utc);
        Day {
            start,
            end: start + chrono::Duration::days(1),
        }
    }

    /// The limits a new comment is held to as it is stored.
    pub fn for_comment(&self, now: DateTime<Utc>) -> CommentQuota {
        CommentQuota {
            day: self.day(now),
            per_day: limit(self.comments_per_day),
            per_article: limit(self.comments_per_article),
            min_interval: (!self.min_interval.is_zero()).then_some(self.min_interval),
        }
    }
}

/// Staff are never held to quotas; nobody is with rate limits off.
pub fn applies(limits_on: bool, user: &User) -> bool {
    limits_on && !user.role.can_moderate()
}

fn limit(count: u32) -> Option<u32> {
    (count > 0).then_some(count)
}

/// One quota day: `start` inclusive, `end` exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Day {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// What the store checks as it inserts a comment, so that comments sent at
/// once cannot together pass a limit each would pass alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommentQuota {
    pub day: Day,
    pub per_day: Option<u32>,
    pub per_article: Option<u32>,
    pub min_interval: Option<Duration>,
}

impl CommentQuota {
    /// The quota a comment at `now` would break, given what the author has
    /// used: the day's first (its answer, "tomorrow", outlasts the others).
    pub fn breach(
        &self,
        today: i64,
        on_article: i64,
        last_comment_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Option<Breach> {
        let tomorrow = |kind| Breach {
            kind,
            retry_at: self.day.end,
        };
        if self.per_day.is_some_and(|limit| today >= i64::from(limit)) {
            return Some(tomorrow(QuotaKind::CommentsPerDay));
        }
        if self
            .per_article
            .is_some_and(|limit| on_article >= i64::from(limit))
        {
            return Some(tomorrow(QuotaKind::CommentsPerArticle));
        }
        let gap = chrono::Duration::from_std(self.min_interval?).ok()?;
        let next = last_comment_at? + gap;
        (next > now).then_some(Breach {
            kind: QuotaKind::MinInterval,
            retry_at: next,
        })
    }
}

/// Which quota a write ran into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuotaKind {
    CommentsPerDay,
    CommentsPerArticle,
    MinInterval,
    NewAccountWait,
    ReactionsPerDay,
}

impl QuotaKind {
    pub fn as_str(self) -> &'static str {
        match self {
            QuotaKind::CommentsPerDay => "comments_per_day",
            QuotaKind::CommentsPerArticle => "comments_per_article",
            QuotaKind::MinInterval => "min_interval",
            QuotaKind::NewAccountWait => "new_account_wait",
            QuotaKind::ReactionsPerDay => "reactions_per_day",
        }
    }
}

/// A quota the store found used up, and when the write is allowed again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Breach {
    pub kind: QuotaKind,
    pub retry_at: DateTime<Utc>,
}

/// A refused write: the breach with what the reader is told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverQuota {
    pub breach: Breach,
    pub retry_after: Duration,
    pub title: Text,
    pub detail: Text,
}

impl OverQuota {
    pub fn new(breach: Breach, quotas: &Quotas, now: DateTime<Utc>) -> OverQuota {
        let retry_after = (breach.retry_at - now)
            .to_std()
            .unwrap_or_default()
            .max(Duration::from_secs(1));
        let when = when_words(breach.retry_at, quotas.day_starts);
        let (title, detail) = words(breach.kind, quotas, &when);
        OverQuota {
            breach,
            retry_after,
            title,
            detail,
        }
    }
}

impl OverQuota {
    /// The answer's words and its Retry-After.
    pub fn details(&self) -> Details {
        Details {
            title: Some(self.title.clone()),
            detail: Some(self.detail.clone()),
            ..Details::retry_after(self.retry_after)
        }
    }
}

/// "12월 4일 00:00 (UTC+09:00)": the time in the policy's offset, named.
fn when_words(at: DateTime<Utc>, offset: FixedOffset) -> Text {
    // Round up to the minute: "from 00:00", not "from 23:59" a second early.
    let local = (at + chrono::Duration::seconds(59)).with_timezone(&offset);
    let time = local.format("%H:%M");
    Text::new(
        format!("{} {time} (UTC{offset})", local.format("%-d %B")),
        format!("{} {time} (UTC{offset})", local.format("%-m월 %-d일")),
    )
}

fn words(kind: QuotaKind, quotas: &Quotas, when: &Text) -> (Text, Text) {
    let (en, ko) = (&when.en, &when.ko);
    match kind {
        QuotaKind::CommentsPerDay => {
            let n = quotas.comments_per_day;
            (
                Text::new(
                    "Daily comment limit reached",
                    "오늘 쓸 수 있는 댓글을 모두 썼습니다",
                ),
                Text::new(
                    format!("You can post {n} comments a day. You can post again from {en}."),
                    format!("댓글은 하루 {n}개까지 쓸 수 있습니다. {ko}부터 다시 쓸 수 있습니다."),
                ),
            )
        }
        QuotaKind::CommentsPerArticle => {
            let n = quotas.comments_per_article;
            (
                Text::new(
                    "Comment limit for this editorial reached",
                    "이 기사에 쓸 수 있는 댓글을 모두 썼습니다",
                ),
                Text::new(
                    format!(
                        "You can post {n} comments a day on one editorial. You can post here again from {en}."
                    ),
                    format!(
                        "한 기사에는 하루 {n}개까지 댓글을 쓸 수 있습니다. {ko}부터 이 기사에 다시 쓸 수 있습니다."
                    ),
                ),
            )
        }
        QuotaKind::MinInterval => {
            let gap = quotas.min_interval.as_secs();
            (
                Text::new(
                    "Too soon after your last comment",
                    "댓글 간격이 너무 짧습니다",
                ),
                Text::new(
                    format!(
                        "Leave {gap} seconds between comments. Try again in {{seconds}} seconds."
                    ),
                    format!(
                        "댓글은 {gap}초 간격으로 쓸 수 있습니다. {{seconds}}초 뒤에 다시 써 주세요."
                    ),
                ),
            )
        }
        QuotaKind::NewAccountWait => {
            let hours = quotas.new_account_wait.as_secs().div_ceil(3600);
            (
                Text::new(
                    "New accounts wait before commenting",
                    "새 계정은 잠시 뒤에 댓글을 쓸 수 있습니다",
                ),
                Text::new(
                    format!(
                        "A new account can comment {hours} hours after it was made: from {en}."
                    ),
                    format!(
                        "새 계정은 가입하고 {hours}시간 뒤부터 댓글을 쓸 수 있습니다. {ko}부터 쓸 수 있습니다."
                    ),
                ),
            )
        }
        QuotaKind::ReactionsPerDay => {
            let n = quotas.reactions_per_day;
            (
                Text::new(
                    "Daily reaction limit reached",
                    "오늘 누를 수 있는 공감·비공감을 모두 눌렀습니다",
                ),
                Text::new(
                    format!("You can react {n} times a day. You can react again from {en}."),
                    format!(
                        "공감·비공감은 하루 {n}번까지 누를 수 있습니다. {ko}부터 다시 누를 수 있습니다."
                    ),
                ),
            )
        }
    }
}

/// What an account has used today, as the store counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Usage {
    pub comments_today: i64,
    pub on_article_today: i64,
    pub reactions_today: i64,
    pub last_comment_at: Option<DateTime<Utc>>,
    pub account_created_at: DateTime<Utc>,
}

/// One quota as the reader sees it before writing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counted {
    pub used: i64,
    pub limit: i64,
    pub remaining: i64,
}

fn counted(used: i64, limit: u32) -> Option<Counted> {
    (limit > 0).then(|| Counted {
        used,
        limit: limit.into(),
        remaining: (i64::from(limit) - used).max(0),
    })
}

/// The reader's standing against every quota; `None` where there is no limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    pub comments_today: Option<Counted>,
    pub on_article: Option<Counted>,
    pub reactions_today: Option<Counted>,
    /// When the interval or the new-account wait next lets them post, if later than now.
    pub next_comment_at: Option<DateTime<Utc>>,
    pub resets_at: DateTime<Utc>,
}

impl Quotas {
    pub fn standing(&self, usage: &Usage, now: DateTime<Utc>) -> Standing {
        let interval_ends = usage
            .last_comment_at
            .filter(|_| !self.min_interval.is_zero())
            .map(|last| last + chrono::Duration::from_std(self.min_interval).unwrap_or_default());
        let wait_ends = (!self.new_account_wait.is_zero()).then(|| {
            usage.account_created_at
                + chrono::Duration::from_std(self.new_account_wait).unwrap_or_default()
        });
        Standing {
            comments_today: counted(usage.comments_today, self.comments_per_day),
            on_article: counted(usage.on_article_today, self.comments_per_article),
            reactions_today: counted(usage.reactions_today, self.reactions_per_day),
            next_comment_at: interval_ends.max(wait_ends).filter(|at| *at > now),
            resets_at: self.day(now).end,
        }
    }

    /// The new-account wait, checked before the comment is stored (an
    /// account's age does not change between the check and the insert).
    pub fn new_account_breach(
        &self,
        created_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Option<Breach> {
        let wait = chrono::Duration::from_std(self.new_account_wait).ok()?;
        let ends = created_at + wait;
        (ends > now).then_some(Breach {
            kind: QuotaKind::NewAccountWait,
            retry_at: ends,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn korean() -> Quotas {
        Quotas {
            comments_per_day: 20,
            comments_per_article: 3,
            min_interval: Duration::from_secs(15),
            reactions_per_day: 50,
            new_account_wait: Duration::ZERO,
            day_starts: FixedOffset::east_opt(9 * 3600).unwrap(),
        }
    }

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    #[test]
    fn the_day_turns_at_midnight_in_the_policys_offset() {
        let day = korean().day(at("2026-12-03T14:59:59Z"));
        let next = korean().day(at("2026-12-03T15:00:00Z"));

        assert_eq!(day.start, at("2026-12-02T15:00:00Z"));
        assert_eq!(day.end, at("2026-12-03T15:00:00Z"));
        assert_eq!(next.start, day.end);
    }

    #[test]
    fn the_refusal_names_the_local_time_the_quota_comes_back() {
        let quotas = korean();
        let now = at("2026-12-03T10:00:00Z");
        let breach = Breach {
            kind: QuotaKind::CommentsPerDay,
            retry_at: quotas.day(now).end,
        };

        let refused = OverQuota::new(breach, &quotas, now);

        assert_eq!(refused.retry_after, Duration::from_secs(5 * 3600));
        assert!(
            refused.detail.ko.contains("하루 20개"),
            "{}",
            refused.detail.ko
        );
        assert!(
            refused.detail.ko.contains("12월 4일 00:00 (UTC+09:00)부터"),
            "{}",
            refused.detail.ko
        );
        assert!(
            refused
                .detail
                .en
                .contains("from 4 December 00:00 (UTC+09:00)"),
            "{}",
            refused.detail.en
        );
    }

    #[test]
    fn standing_counts_down_and_says_when_the_interval_ends() {
        let quotas = korean();
        let now = at("2026-12-03T10:00:00Z");
        let usage = Usage {
            comments_today: 3,
            on_article_today: 3,
            reactions_today: 60,
            last_comment_at: Some(now - chrono::Duration::seconds(5)),
            account_created_at: now - chrono::Duration::days(30),
        };

        let standing = quotas.standing(&usage, now);

        assert_eq!(standing.comments_today.unwrap().remaining, 17);
        assert_eq!(standing.on_article.unwrap().remaining, 0);
        assert_eq!(
            standing.reactions_today.unwrap().remaining,
            0,
            "never below zero"
        );
        assert_eq!(
            standing.next_comment_at,
            Some(now + chrono::Duration::seconds(10))
        );
        assert_eq!(Quotas::none().standing(&usage, now).comments_today, None);
    }
}
