//! The storage interface: what the services read and write, in our own types.
//!
//! One trait per aggregate (`ArticleStore`, `AccountStore`, `IdentityStore`, `CommentStore`,
//! `ModerationStore`, `PolicyStore`) and `Store`, which combines them. Each
//! method is one unit of work: a change and the counters and log lines that go
//! with it commit together inside the engine, so no transaction or connection
//! crosses this interface. An engine lives in its own folder (`sqlite/`,
//! `postgres/`) with its own SQL; what both share (rows, ids, the
//! memos) sits beside them. Nothing above this folder sees an engine.

mod accounts;
mod articles;
mod comments;
mod desk;
mod erasure;
mod identities;
mod ids;
mod inspect;
mod memo;
mod moderation;
mod open;
mod policy;
#[allow(dead_code)] // Until every trait is implemented on PostgreSQL.
mod postgres;
mod rows;
mod sqlite;
mod store;
mod transfer;
mod webhooks;

pub use accounts::{AccountInsert, AccountStore, LiveSession, SessionInsert};
pub use articles::ArticleStore;
pub use comments::{
    CommentEdit, CommentInsert, CommentPage, CommentStore, Edited, Inserted, PageQuery,
    REPLIES_PER_THREAD, ReplyQuery,
};
pub use desk::{CountsQuery, DeskStore, NoAccount, NoteWrite, UndoWrite, Undone};
pub use erasure::ErasureStore;
pub use identities::{
    IdentityInsert, IdentityStore, Linked, LoginAttempt, NewProviderAccount, Unlinked,
};
pub use inspect::{Inspect, PolicyDecision};
pub use moderation::{
    Decided, DecisionWrite, FeatureWrite, Featured, LastAdmin, ModerationStore, QueueEntry,
    QueueQuery, Reactor, ReportInsert, ReporterRecord, RoleChange, SanctionInsert,
};
pub use open::{engine_name, open, open_inspect};
pub use policy::{PolicyStore, RefusalRecord, StoredReason};
pub use store::Store;
pub use transfer::{ExportPage, TransferStore};
pub use webhooks::{Claim, DeliveryQuery, WebhookStore};
