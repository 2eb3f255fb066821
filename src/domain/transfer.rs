//! Records read from another system's export (or our own), before they are
//! stored: every id is the source's, mapped to ours by the storage.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::domain::comments::Status;

/// The formats `comment-desk import` reads; also the namespace of external
/// ids, so two formats' id 7 are two different records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Disqus,
    Wordpress,
    Isso,
    CommentDesk,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Disqus => "disqus",
            Source::Wordpress => "wordpress",
            Source::Isso => "isso",
            Source::CommentDesk => "comment-desk",
        }
    }
}

#[derive(Debug, Clone)]
pub struct ImportedEditorial {
    pub external_id: String,
    /// Our article id: the source's own identifier when it is a valid one.
    pub article_id: String,
    pub title: String,
    pub url: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct ImportedAuthor {
    pub external_id: String,
    pub display_name: String,
    /// Kept only when no account holds it yet: two sources' authors are
    /// never merged by email.
    pub email: Option<String>,
    pub role: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct ImportedComment {
    pub external_id: String,
    pub editorial: String,
    pub parent: Option<String>,
    pub author: String,
    pub body: String,
    pub length: usize,
    pub status: Status,
    pub hidden: bool,
    pub featured: bool,
    /// Why a comment that breaks the text rule is held: a moderator sees it.
    pub held_reason: Option<&'static str>,
    pub created_at: DateTime<Utc>,
    pub edited_at: Option<DateTime<Utc>>,
    pub deleted_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone)]
pub struct ImportedReaction {
    pub comment: String,
    pub account: String,
    pub kind: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct ImportedSanction {
    pub external_id: String,
    pub account: String,
    pub kind: String,
    pub until: Option<DateTime<Utc>>,
    pub reason: String,
    pub moderator: Option<String>,
    pub created_at: DateTime<Utc>,
    pub lifted_at: Option<DateTime<Utc>>,
    pub lifted_by: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ImportedReport {
    pub external_id: String,
    pub comment: String,
    pub reporter: String,
    pub reason: String,
    pub note: Option<String>,
    pub body: String,
    pub weight: i64,
    pub created_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone)]
pub struct ImportedLogLine {
    pub external_id: String,
    pub at: DateTime<Utc>,
    pub actor: Option<String>,
    pub action: String,
    pub target_type: String,
    /// The source's id of the target; mapped like the record it names.
    pub target_id: String,
    pub reason: Option<String>,
    pub note: Option<String>,
}

/// One record of a source, in the order the source gives them.
#[derive(Debug, Clone)]
pub enum Record {
    Editorial(ImportedEditorial),
    Author(ImportedAuthor),
    Comment(ImportedComment),
    Reaction(ImportedReaction),
    Sanction(ImportedSanction),
    Report(ImportedReport),
    Log(ImportedLogLine),
}

/// What an import did, summed over its batches.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportCounts {
    pub editorials_imported: u64,
    pub editorials_present: u64,
    pub accounts_imported: u64,
    pub accounts_present: u64,
    /// Authors whose email another account already holds: imported without it.
    pub emails_not_merged: u64,
    pub comments_imported: u64,
    pub comments_present: u64,
    /// Imported as pending because the text breaks the rule.
    pub comments_held: u64,
    /// Replies whose parent is missing (or loops): imported as top-level.
    pub orphans: u64,
    pub reactions_imported: u64,
    pub sanctions_imported: u64,
    pub reports_imported: u64,
    pub log_lines_imported: u64,
    /// Records naming something the import does not have (a reaction to an
    /// unknown comment): skipped and counted.
    pub skipped: u64,
}

impl ImportCounts {
    pub fn add(&mut self, other: &ImportCounts) {
        self.editorials_imported += other.editorials_imported;
        self.editorials_present += other.editorials_present;
        self.accounts_imported += other.accounts_imported;
        self.accounts_present += other.accounts_present;
        self.emails_not_merged += other.emails_not_merged;
        self.comments_imported += other.comments_imported;
        self.comments_present += other.comments_present;
        self.comments_held += other.comments_held;
        self.orphans += other.orphans;
        self.reactions_imported += other.reactions_imported;
        self.sanctions_imported += other.sanctions_imported;
        self.reports_imported += other.reports_imported;
        self.log_lines_imported += other.log_lines_imported;
        self.skipped += other.skipped;
    }
}

/// The entities of an export, in the order they are written (each refers
/// only to ones before it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportKind {
    Editorial,
    Account,
    Identity,
    Comment,
    Reaction,
    Report,
    Sanction,
    Log,
}

impl ExportKind {
    pub const ALL: [ExportKind; 8] = [
        ExportKind::Editorial,
        ExportKind::Account,
        ExportKind::Identity,
        ExportKind::Comment,
        ExportKind::Reaction,
        ExportKind::Report,
        ExportKind::Sanction,
        ExportKind::Log,
    ];
}
