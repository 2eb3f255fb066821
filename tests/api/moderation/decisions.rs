//! Decisions on comments: approve, reject with a reason, delete, conflicts and races.

use super::*;
use crate::helpers::{LogEntry, Target};

/// The decisions the log holds on one comment.
fn decided_on<'a>(entries: &'a [LogEntry], comment_id: &str) -> Vec<&'a LogEntry> {
    entries
        .iter()
        .filter(|e| e.target == Target::comment(comment_id))
        .filter(|e| DECISIONS.contains(&e.action.as_str()))
        .collect()
}

#[tokio::test]
async fn approving_a_held_comment_publishes_it_at_once() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let reader = app.reader().await;
    let id = app.held_comment(&reader, DEMO_ARTICLE, PHONE).await.id;

    let approved = app
        .decided(&moderator, &id, &json!({"action": "approve"}))
        .await;

    assert_eq!(approved.id, id);
    assert_eq!(approved.status, "published");
    assert_eq!(approved.body, PHONE);
    let list = app.list(LIST).await;
    assert_eq!(list["total"], 1);
    assert_eq!(listed_ids(&list), [id.as_str()]);
    assert_eq!(
        app.get(&comment_path(&id)).await.status(),
        200,
        "anyone sees it"
    );
    let article = app.list("/api/v1/articles/putin-north-korea-signal").await;
    assert_eq!(article["article"]["comment_count"], 1);
    assert!(app.queue(&moderator, "").await.items.is_empty());
    let entries = app.log(&moderator).await;
    let entry = &entries[0];
    assert_eq!(entry.action, "approve");
    let by = entry.moderator.as_ref().expect("a moderator");
    assert_eq!(by.id, moderator.id);
    assert_eq!(by.display_name, "Desk Editor");
    assert_eq!(entry.target, Target::comment(&id));
    assert!(!entry.id.is_empty());
}

#[tokio::test]
async fn rejecting_needs_a_reason_from_the_list() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let reader = app.reader().await;
    let id = app.held_comment(&reader, DEMO_ARTICLE, PHONE).await.id;
    let long_note = "n".repeat(501);
    let refused = [
        (json!({"action": "reject"}), "no reason"),
        (
            json!({"action": "reject", "reason": "rude"}),
            "a reason not on the list",
        ),
        (json!({"action": "reject", "reason": ""}), "an empty reason"),
        (
            json!({"action": "reject", "reason": "spam", "note": long_note}),
            "a note over 500 characters",
        ),
        (json!({"action": "hide"}), "an unknown action"),
        (json!({}), "no action"),
    ];
    for (decision, why) in refused {
        let response = app.decide(&moderator, &id, &decision).await;
        assert_eq!(response.status(), 422, "{why}");
        problem(response, 422, "invalid_request").await;
    }
    assert_eq!(queued_ids(&app.queue(&moderator, "").await), [id.as_str()]);

    let decision =
        json!({"action": "reject", "reason": "personal_information", "note": "a phone number"});
    let rejected = app.decided(&moderator, &id, &decision).await;

    assert_eq!(rejected.status, "rejected");
    assert!(app.queue(&moderator, "").await.items.is_empty());
    let rejected_queue = app.queue(&moderator, "?state=rejected").await;
    assert_eq!(queued_ids(&rejected_queue), [id.as_str()]);
    assert_eq!(rejected_queue.items[0].comment.status, "rejected");
    assert_eq!(rejected_queue.items[0].author.rejected_count, 1);
    assert_eq!(app.list(LIST).await["total"], 0);
    let entry = &app.log(&moderator).await[0];
    assert_eq!(entry.action, "reject");
    assert_eq!(entry.reason.as_deref(), Some("personal_information"));
    assert_eq!(entry.note.as_deref(), Some("a phone number"));
    assert_eq!(entry.target, Target::comment(&id));
}

#[tokio::test]
async fn a_rejected_comment_leaves_the_listing_and_approval_brings_it_back() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let author = app.reader().await;
    let id = app
        .published_comment(&author, DEMO_ARTICLE, "a sharp but fair view")
        .await
        .id;
    let other = app
        .published_comment(&author, DEMO_ARTICLE, "another view")
        .await;

    let reject = json!({"action": "reject", "reason": "abuse"});
    let rejected = app.decided(&moderator, &id, &reject).await;

    assert_eq!(rejected.status, "rejected");
    let list = app.threads(LIST).await;
    assert_eq!(list.total, Some(1));
    assert_eq!(list.ids(|t| &t.comment.id), [other.id]);
    problem(app.get(&comment_path(&id)).await, 404, "comment_not_found").await;

    // Overturning a decision names the version it was made on (races.rs).
    let overturn = json!({"action": "approve", "version": rejected.version});
    let approved = app.decided(&moderator, &id, &overturn).await;

    assert_eq!(approved.status, "published");
    let list = app.threads(LIST).await;
    assert_eq!(list.total, Some(2));
    assert!(
        list.ids(|t| &t.comment.id).contains(&id),
        "back in the listing"
    );
    assert!(
        app.queue(&moderator, "?state=rejected")
            .await
            .items
            .is_empty()
    );
}

#[tokio::test]
async fn deleting_leaves_a_tombstone_only_under_replies() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let author = app.reader().await;
    let replier = app.reader().await;
    let top = app
        .published_comment(&author, DEMO_ARTICLE, "the original text")
        .await;
    let reply = app
        .post_as(
            &replier,
            LIST,
            &json!({"body": "a reply", "parent_id": top.id}),
        )
        .await;
    assert_eq!(reply.status(), 201);
    let lone = app
        .published_comment(&author, DEMO_ARTICLE, "a lone remark")
        .await;

    let delete = json!({"action": "delete"});
    let tombstone = app.decided(&moderator, &top.id, &delete).await;
    let gone = app.decided(&moderator, &lone.id, &delete).await;

    assert_eq!(tombstone.status, "deleted");
    assert_eq!(tombstone.body, "", "the text is gone");
    assert_eq!(gone.status, "deleted");
    let list = app.threads(LIST).await;
    assert_eq!(
        list.ids(|t| &t.comment.id),
        [top.id],
        "only the comment with a reply stays"
    );
    let shown = &list.items[0];
    assert_eq!(shown.comment.status, "deleted");
    assert_eq!(shown.comment.body, "");
    assert_eq!(shown.replies[0].body, "a reply");
    assert_eq!(list.total, Some(1), "the reply still counts");
}

#[tokio::test]
async fn a_decision_that_changes_nothing_is_a_conflict_carrying_the_comment() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let author = app.reader().await;
    let published = app
        .published_comment(&author, DEMO_ARTICLE, "left as it is")
        .await;
    let rejected = app.held_comment(&author, DEMO_ARTICLE, PHONE).await;
    let reject = json!({"action": "reject", "reason": "spam"});
    app.decided(&moderator, &rejected.id, &reject).await;
    let deleted = app
        .published_comment(&author, DEMO_ARTICLE, "soon gone")
        .await;
    let delete = json!({"action": "delete"});
    app.decided(&moderator, &deleted.id, &delete).await;
    let cases = [
        (
            &published,
            json!({"action": "approve"}),
            "published",
            "approving a published comment without reports",
        ),
        (
            &rejected,
            json!({"action": "reject", "reason": "spam"}),
            "rejected",
            "rejecting a rejected comment",
        ),
        (
            &deleted,
            json!({"action": "delete"}),
            "deleted",
            "deleting a deleted comment",
        ),
    ];

    for (comment, decision, status, why) in cases {
        let response = app.decide(&moderator, &comment.id, &decision).await;
        assert_eq!(response.status(), 409, "{why}");
        let problem = problem(response, 409, "already_decided").await;
        let current = problem.comment.expect("the comment as it is");
        assert_eq!(current.id, comment.id, "{why}");
        assert_eq!(current.status, status, "{why}");
    }

    let unknown = app
        .decide(&moderator, "424242", &json!({"action": "approve"}))
        .await;
    problem(unknown, 404, "comment_not_found").await;
    let entries = app.log(&moderator).await;
    assert_eq!(
        decided_on(&entries, &published.id).len(),
        0,
        "conflicts are not logged"
    );
    assert_eq!(decided_on(&entries, &rejected.id).len(), 1);
    assert_eq!(decided_on(&entries, &deleted.id).len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_decisions_have_one_winner_and_one_log_entry() {
    let app = TestApp::spawn().await;
    let first = app.moderator().await;
    let second = app.moderator().await;
    let reader = app.reader().await;
    let mut comments = Vec::new();
    for n in 0..10 {
        let text = format!("{PHONE} #{n}");
        comments.push(app.held_comment(&reader, DEMO_ARTICLE, &text).await.id);
    }
    // The same action from both: whichever lands second finds nothing left to
    // change, whatever the timing (see the report on approve-against-reject).
    let pairs = [
        (
            json!({"action": "reject", "reason": "spam"}),
            json!({"action": "reject", "reason": "abuse"}),
        ),
        (json!({"action": "approve"}), json!({"action": "approve"})),
        (json!({"action": "delete"}), json!({"action": "delete"})),
    ];

    for (n, id) in comments.iter().enumerate() {
        let (a, b) = &pairs[n % pairs.len()];
        let (one, two) = tokio::join!(app.decide(&first, id, a), app.decide(&second, id, b));
        let (winner, loser) = if one.status() == 200 {
            (one, two)
        } else {
            (two, one)
        };
        assert_eq!(winner.status(), 200, "race {n} ({a}): one decision wins");
        let won = parse::<CommentAnswer>(winner).await.comment.status;
        assert_eq!(loser.status(), 409, "race {n} ({a}): the other loses");
        let problem = problem(loser, 409, "already_decided").await;
        assert_eq!(
            problem.comment.expect("the comment").status,
            won,
            "race {n}: the loser sees the winner's result"
        );
    }

    let entries = app.log(&first).await;
    for (n, id) in comments.iter().enumerate() {
        assert_eq!(
            decided_on(&entries, id).len(),
            1,
            "race {n}: one decision logged"
        );
    }
}
