//! The one note limit: decision notes, report notes and sanction reasons.

use comment_desk::domain::moderation::NOTE_MAX;

use super::*;

/// Notes of `NOTE_MAX` characters: plain, and in decomposed Hangul (three
/// code points a syllable before the text rule composes them).
fn notes_at_the_limit() -> [(String, String, &'static str); 2] {
    let plain = |n: usize| "n".repeat(n);
    let decomposed = |n: usize| "\u{1112}\u{1161}\u{11AB}".repeat(n);
    [
        (plain(NOTE_MAX), plain(NOTE_MAX + 1), "plain letters"),
        (
            decomposed(NOTE_MAX),
            decomposed(NOTE_MAX + 1),
            "decomposed Hangul",
        ),
    ]
}

#[tokio::test]
async fn a_decision_note_may_hold_note_max_characters_and_no_more() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let reader = app.reader().await;
    for (longest, too_long, why) in notes_at_the_limit() {
        let id = app.held_comment(&reader, DEMO_ARTICLE, PHONE).await.id;
        let decision = |note: &str| json!({"action": "reject", "reason": "spam", "note": note});

        let refused = app.decide(&moderator, &id, &decision(&too_long)).await;
        assert_problem(refused, 422, "invalid_request").await;
        let rejected = app.decided(&moderator, &id, &decision(&longest)).await;

        assert_eq!(rejected.status, "rejected", "{why}");
        let entry = &app.log(&moderator).await[0];
        let note = entry.note.as_deref().unwrap_or_default();
        assert_eq!(note.chars().count(), NOTE_MAX, "{why}");
    }
}

#[tokio::test]
async fn report_notes_and_sanction_reasons_share_the_note_limit() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let author = app.reader().await;
    for (longest, too_long, why) in notes_at_the_limit() {
        let reader = app.reader().await;
        let comment = app.published_comment(&author, DEMO_ARTICLE, why).await;
        let path = reports_path(&comment.id);
        let note = |note: &str| json!({"reason": "abuse", "note": note});

        let refused = app.post_as(&reader, &path, &note(&too_long)).await;
        assert_problem(refused, 422, "invalid_request").await;
        let filed = app.post_as(&reader, &path, &note(&longest)).await;
        assert_eq!(filed.status(), 202, "a report note of {why}");

        let sanction =
            |reason: &str| json!({"kind": "suspend", "until": in_days(1), "reason": reason});
        let refused = app
            .post_as(&moderator, &sanctions_path(&reader), &sanction(&too_long))
            .await;
        assert_problem(refused, 422, "invalid_request").await;
        let suspended = app
            .post_as(&moderator, &sanctions_path(&reader), &sanction(&longest))
            .await;
        assert_eq!(suspended.status(), 201, "a sanction reason of {why}");
    }
}
