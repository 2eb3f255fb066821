//! Reader reports: thresholds that queue and hide, errors, and the text a report keeps.

use super::*;

#[tokio::test]
async fn three_readers_reporting_queue_a_comment_with_their_reports() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let author = app.reader().await;
    let text = "the sanctions are theatre";
    let id = app.published_comment(&author, DEMO_ARTICLE, text).await.id;
    let reporters = [app.reader().await, app.reader().await, app.reader().await];
    let reasons = ["spam", "abuse", "off_topic"];

    for (n, (reporter, reason)) in reporters.iter().zip(reasons).enumerate() {
        let response = app
            .post_as(
                reporter,
                &reports_path(&id),
                &json!({"reason": reason, "note": format!("note {n}")}),
            )
            .await;
        assert_eq!(response.status(), 202, "report {n}");
        let reported = queued_ids(&app.queue(&moderator, "?state=reported").await);
        if n < 2 {
            assert!(
                reported.is_empty(),
                "{} report(s) stay below the threshold",
                n + 1
            );
        } else {
            assert_eq!(reported, [id.as_str()], "the third report queues it");
        }
    }
    let again = report(&app, &reporters[0], &id, "hate").await;
    problem(again, 409, "already_reported").await;

    let page = app.queue(&moderator, "?state=reported").await;
    let item = &page.items[0];
    assert_eq!(item.comment.status, "published");
    let mut filed: Vec<(String, String, String)> = item
        .reports
        .iter()
        .map(|r| {
            assert!(!r.id.is_empty(), "{r:?}");
            assert_eq!(r.body, text, "the text reported");
            assert_eq!(r.reporter.display_name, "Test Reader");
            let note = r.note.clone().unwrap_or_default();
            (r.reporter.id.clone(), r.reason.clone(), note)
        })
        .collect();
    filed.sort();
    let mut expected: Vec<(String, String, String)> = reporters
        .iter()
        .zip(reasons)
        .enumerate()
        .map(|(n, (r, reason))| (r.id.clone(), reason.to_owned(), format!("note {n}")))
        .collect();
    expected.sort();
    assert_eq!(
        filed, expected,
        "three reports; the repeated one is not counted"
    );
    assert_eq!(
        app.threads(LIST).await.total,
        Some(1),
        "three reports do not hide it"
    );
    assert!(
        app.queue(&moderator, "").await.items.is_empty(),
        "not pending"
    );
}

#[tokio::test]
async fn reporting_errors_follow_the_contract() {
    let app = TestApp::spawn().await;
    let author = app.reader().await;
    let reader = app.reader().await;
    let id = app
        .published_comment(&author, DEMO_ARTICLE, "report me")
        .await
        .id;

    let anonymous = app
        .post_json(&reports_path(&id), &json!({"reason": "spam"}))
        .await;
    problem(anonymous, 401, "unauthenticated").await;
    let cases = [
        (
            reports_path(&id),
            json!({"reason": "rude"}),
            422,
            "invalid_request",
            "a reason not on the list",
        ),
        (
            reports_path(&id),
            json!({"note": "no reason"}),
            422,
            "invalid_request",
            "no reason",
        ),
        (
            reports_path("424242"),
            json!({"reason": "spam"}),
            404,
            "comment_not_found",
            "an unknown comment",
        ),
    ];
    for (path, body, status, code, why) in cases {
        let response = app.post_as(&reader, &path, &body).await;
        assert_eq!(response.status(), status, "{why}");
        problem(response, status, code).await;
    }

    let first = app
        .post_as(
            &reader,
            &reports_path(&id),
            &json!({"reason": "other", "note": "see the second line"}),
        )
        .await;
    let second = report(&app, &reader, &id, "spam").await;

    assert_eq!(first.status(), 202);
    problem(second, 409, "already_reported").await;
}

#[tokio::test]
async fn five_reports_hide_a_comment_until_a_moderator_approves_it() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let author = app.reader().await;
    let id = app
        .published_comment(&author, DEMO_ARTICLE, "an unpopular view")
        .await
        .id;
    for n in 0..4 {
        let reporter = app.reader().await;
        assert_eq!(
            report(&app, &reporter, &id, "abuse").await.status(),
            202,
            "report {n}"
        );
    }
    assert_eq!(
        app.threads(LIST).await.total,
        Some(1),
        "four reports do not hide it"
    );
    assert_eq!(app.get(&comment_path(&id)).await.status(), 200);

    let fifth = app.reader().await;
    assert_eq!(report(&app, &fifth, &id, "abuse").await.status(), 202);

    let list = app.threads(LIST).await;
    assert_eq!(list.total, Some(0), "hidden at five");
    assert!(list.items.is_empty());
    problem(app.get(&comment_path(&id)).await, 404, "comment_not_found").await;
    let reported = app.queue(&moderator, "?state=reported").await;
    assert_eq!(queued_ids(&reported), [id.as_str()]);
    assert_eq!(reported.items[0].reports.len(), 5);

    let approve = json!({"action": "approve"});
    let approved = app.decided(&moderator, &id, &approve).await;

    assert_eq!(approved.status, "published");
    assert_eq!(
        app.threads(LIST).await.ids(|t| &t.comment.id),
        [id.as_str()],
        "back at once"
    );
    assert_eq!(app.get(&comment_path(&id)).await.status(), 200);
    assert!(
        app.queue(&moderator, "?state=reported")
            .await
            .items
            .is_empty(),
        "the reports were resolved"
    );
    let again = app.decide(&moderator, &id, &approve).await;
    let problem = problem(again, 409, "already_decided").await;
    assert_eq!(problem.comment.expect("the comment").status, "published");
}

#[tokio::test]
async fn report_thresholds_are_configuration_and_a_rejection_keeps_the_comment_out() {
    let app = TestApp::spawn_with(|s| {
        s.reports_to_queue = 1;
        s.reports_to_hide = 2;
    })
    .await;
    let moderator = app.moderator().await;
    let author = app.reader().await;
    let (first, second) = (app.reader().await, app.reader().await);
    let id = app
        .published_comment(&author, DEMO_ARTICLE, "a contested claim")
        .await
        .id;

    assert_eq!(report(&app, &first, &id, "hate").await.status(), 202);
    assert_eq!(
        queued_ids(&app.queue(&moderator, "?state=reported").await),
        [id.as_str()]
    );
    assert_eq!(app.threads(LIST).await.total, Some(1), "queued, not hidden");
    assert_eq!(report(&app, &second, &id, "hate").await.status(), 202);
    assert_eq!(app.threads(LIST).await.total, Some(0), "hidden at two");

    let reject = json!({"action": "reject", "reason": "hate"});
    let rejected = app.decided(&moderator, &id, &reject).await;

    assert_eq!(rejected.status, "rejected");
    assert_eq!(app.threads(LIST).await.total, Some(0), "kept out");
    problem(app.get(&comment_path(&id)).await, 404, "comment_not_found").await;
    assert!(
        app.queue(&moderator, "?state=reported")
            .await
            .items
            .is_empty()
    );
    assert_eq!(
        queued_ids(&app.queue(&moderator, "?state=rejected").await),
        [id.as_str()]
    );
}

#[tokio::test]
async fn a_report_keeps_the_text_it_was_filed_against() {
    let app = TestApp::spawn_with(|s| s.reports_to_queue = 1).await;
    let moderator = app.moderator().await;
    let author = app.reader().await;
    let reader = app.reader().await;
    let id = app
        .published_comment(&author, DEMO_ARTICLE, "the first wording")
        .await
        .id;
    assert_eq!(report(&app, &reader, &id, "off_topic").await.status(), 202);

    let edited = app.edit_as(&author, &id, "a second wording").await;

    assert_eq!(edited.status(), 200);
    let page = app.queue(&moderator, "?state=reported").await;
    let item = &page.items[0];
    assert_eq!(item.comment.body, "a second wording");
    assert_eq!(item.reports[0].body, "the first wording");
}
