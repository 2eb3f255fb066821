//! Decisions on comments: approve, reject with a reason, delete, conflicts and races.

use super::*;

#[tokio::test]
async fn approving_a_held_comment_publishes_it_at_once() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let reader = app.reader().await;
    let comment = held(&app, &reader, DEMO_ARTICLE, PHONE).await;
    let id = id_of(&comment);

    let approved = decided(&app, &moderator, &id, json!({"action": "approve"})).await;

    assert_eq!(approved["id"], id.as_str());
    assert_eq!(approved["status"], "published");
    assert_eq!(approved["body"], PHONE);
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
    assert!(queued(&queue(&app, &moderator, "").await).is_empty());
    let entries = log_entries(&app, &moderator).await;
    let entry = &entries[0];
    assert_eq!(entry["action"], "approve");
    assert_eq!(entry["moderator"]["id"], moderator.id.as_str());
    assert_eq!(entry["moderator"]["display_name"], "Desk Editor");
    assert_eq!(entry["target"], json!({"type": "comment", "id": id}));
    assert!(entry["id"].is_string());
    time(&entry["at"]);
}

#[tokio::test]
async fn rejecting_needs_a_reason_from_the_list() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let reader = app.reader().await;
    let id = id_of(&held(&app, &reader, DEMO_ARTICLE, PHONE).await);
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
        let response = decide(&app, &moderator, &id, decision).await;
        assert_eq!(response.status(), 422, "{why}");
        assert_problem(response, 422, "invalid_request").await;
    }
    assert_eq!(queued(&queue(&app, &moderator, "").await), [id.as_str()]);

    let rejected = decided(
        &app,
        &moderator,
        &id,
        json!({"action": "reject", "reason": "personal_information", "note": "a phone number"}),
    )
    .await;

    assert_eq!(rejected["status"], "rejected");
    assert!(queued(&queue(&app, &moderator, "").await).is_empty());
    let rejected_queue = queue(&app, &moderator, "?state=rejected").await;
    assert_eq!(queued(&rejected_queue), [id.as_str()]);
    assert_eq!(rejected_queue["items"][0]["comment"]["status"], "rejected");
    assert_eq!(rejected_queue["items"][0]["author"]["rejected_count"], 1);
    assert_eq!(app.list(LIST).await["total"], 0);
    let entry = &log_entries(&app, &moderator).await[0];
    assert_eq!(entry["action"], "reject");
    assert_eq!(entry["reason"], "personal_information");
    assert_eq!(entry["note"], "a phone number");
    assert_eq!(entry["target"], json!({"type": "comment", "id": id}));
}

#[tokio::test]
async fn a_rejected_comment_leaves_the_listing_and_approval_brings_it_back() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let author = app.reader().await;
    let comment = app
        .published(&author, DEMO_ARTICLE, "a sharp but fair view")
        .await;
    let other = app.published(&author, DEMO_ARTICLE, "another view").await;
    let id = id_of(&comment);

    let rejected = decided(
        &app,
        &moderator,
        &id,
        json!({"action": "reject", "reason": "abuse"}),
    )
    .await;

    assert_eq!(rejected["status"], "rejected");
    let list = app.list(LIST).await;
    assert_eq!(list["total"], 1);
    assert_eq!(listed_ids(&list), [id_of(&other)]);
    assert_problem(app.get(&comment_path(&id)).await, 404, "comment_not_found").await;

    // Overturning a decision names the version it was made on (races.rs).
    let overturn = json!({"action": "approve", "version": rejected["version"]});
    let approved = decided(&app, &moderator, &id, overturn).await;

    assert_eq!(approved["status"], "published");
    let list = app.list(LIST).await;
    assert_eq!(list["total"], 2);
    assert!(listed_ids(&list).contains(&id), "back in the listing");
    assert!(queued(&queue(&app, &moderator, "?state=rejected").await).is_empty());
}

#[tokio::test]
async fn deleting_leaves_a_tombstone_only_under_replies() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let author = app.reader().await;
    let replier = app.reader().await;
    let top = app
        .published(&author, DEMO_ARTICLE, "the original text")
        .await;
    let reply = app
        .post_as(
            &replier,
            LIST,
            &json!({"body": "a reply", "parent_id": id_of(&top)}),
        )
        .await;
    assert_eq!(reply.status(), 201);
    let lone = app.published(&author, DEMO_ARTICLE, "a lone remark").await;

    let tombstone = decided(&app, &moderator, &id_of(&top), json!({"action": "delete"})).await;
    let gone = decided(&app, &moderator, &id_of(&lone), json!({"action": "delete"})).await;

    assert_eq!(tombstone["status"], "deleted");
    assert_eq!(tombstone["body"], "", "the text is gone");
    assert_eq!(gone["status"], "deleted");
    let list = app.list(LIST).await;
    assert_eq!(
        listed_ids(&list),
        [id_of(&top)],
        "only the comment with a reply stays"
    );
    let shown = &list["comments"][0];
    assert_eq!(shown["status"], "deleted");
    assert_eq!(shown["body"], "");
    assert_eq!(shown["replies"][0]["body"], "a reply");
    assert_eq!(list["total"], 1, "the reply still counts");
}

#[tokio::test]
async fn a_decision_that_changes_nothing_is_a_conflict_carrying_the_comment() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let author = app.reader().await;
    let published = app.published(&author, DEMO_ARTICLE, "left as it is").await;
    let rejected = held(&app, &author, DEMO_ARTICLE, PHONE).await;
    decided(
        &app,
        &moderator,
        &id_of(&rejected),
        json!({"action": "reject", "reason": "spam"}),
    )
    .await;
    let deleted = app.published(&author, DEMO_ARTICLE, "soon gone").await;
    decided(
        &app,
        &moderator,
        &id_of(&deleted),
        json!({"action": "delete"}),
    )
    .await;
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
        let response = decide(&app, &moderator, &id_of(comment), decision).await;
        assert_eq!(response.status(), 409, "{why}");
        let problem = assert_problem(response, 409, "already_decided").await;
        assert_eq!(problem["comment"]["id"], comment["id"], "{why}");
        assert_eq!(problem["comment"]["status"], status, "{why}");
    }

    let unknown = decide(&app, &moderator, "424242", json!({"action": "approve"})).await;
    assert_problem(unknown, 404, "comment_not_found").await;
    let entries = log_entries(&app, &moderator).await;
    assert_eq!(
        decisions_on(&entries, &id_of(&published)).len(),
        0,
        "conflicts are not logged"
    );
    assert_eq!(decisions_on(&entries, &id_of(&rejected)).len(), 1);
    assert_eq!(decisions_on(&entries, &id_of(&deleted)).len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_decisions_have_one_winner_and_one_log_entry() {
    let app = TestApp::spawn().await;
    let first = app.moderator().await;
    let second = app.moderator().await;
    let reader = app.reader().await;
    let mut comments = Vec::new();
    for n in 0..10 {
        comments.push(id_of(
            &held(&app, &reader, DEMO_ARTICLE, &format!("{PHONE} #{n}")).await,
        ));
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
        let (a, b) = pairs[n % pairs.len()].clone();
        let (one, two) = tokio::join!(
            decide(&app, &first, id, a.clone()),
            decide(&app, &second, id, b)
        );
        let (winner, loser) = if one.status() == 200 {
            (one, two)
        } else {
            (two, one)
        };
        assert_eq!(winner.status(), 200, "race {n} ({a}): one decision wins");
        let won = json_body(winner).await["comment"]["status"].clone();
        assert_eq!(loser.status(), 409, "race {n} ({a}): the other loses");
        let problem = assert_problem(loser, 409, "already_decided").await;
        assert_eq!(
            problem["comment"]["status"], won,
            "race {n}: the loser sees the winner's result"
        );
    }

    let entries = log_entries(&app, &first).await;
    for (n, id) in comments.iter().enumerate() {
        assert_eq!(
            decisions_on(&entries, id).len(),
            1,
            "race {n}: one decision logged"
        );
    }
}
