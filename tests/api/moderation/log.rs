//! The moderation log: what it records and how it pages.

use super::*;

#[tokio::test]
async fn the_log_records_decisions_sanctions_and_the_policys_own_actions() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let author = app.reader().await;
    let comment = id_of(&held(&app, &author, DEMO_ARTICLE, PHONE).await);
    let refused = app.comment(&author, DEMO_ARTICLE, "씨발 이게 뭐냐").await;
    assert_eq!(refused.status(), 422);
    decided(
        &app,
        &moderator,
        &comment,
        json!({"action": "reject", "reason": "personal_information", "note": "number posted"}),
    )
    .await;
    sanction(
        &app,
        &moderator,
        &author,
        json!({"kind": "suspend", "until": in_days(2), "reason": "abuse"}),
    )
    .await;
    assert_eq!(
        app.delete_as(&moderator, &sanctions_path(&author))
            .await
            .status(),
        204
    );
    sanction(
        &app,
        &moderator,
        &author,
        json!({"kind": "ban", "reason": "spam"}),
    )
    .await;

    let entries = log_entries(&app, &moderator).await;

    let ours: Vec<&Value> = entries
        .iter()
        .filter(|e| e["target"]["type"] != "article")
        .collect();
    let actions: Vec<&str> = ours.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(
        actions,
        ["ban", "lift", "suspend", "reject", "refuse", "hold"],
        "newest first"
    );
    let user = json!({"type": "user", "id": author.id});
    let by_moderator = |e: &Value| e["moderator"]["id"] == moderator.id.as_str();
    let (ban, lift, suspend, reject, refuse, hold) =
        (ours[0], ours[1], ours[2], ours[3], ours[4], ours[5]);
    for entry in [ban, lift, suspend] {
        assert_eq!(entry["target"], user, "{entry}");
        assert!(by_moderator(entry), "{entry}");
    }
    assert_eq!(ban["reason"], "spam");
    assert_eq!(suspend["reason"], "abuse");
    assert!(by_moderator(reject));
    assert_eq!(reject["target"], json!({"type": "comment", "id": comment}));
    assert_eq!(reject["reason"], "personal_information");
    assert_eq!(reject["note"], "number posted");
    assert_eq!(refuse["moderator"], Value::Null, "automatic");
    assert_eq!(refuse["target"], user, "the author; the text is not kept");
    assert_eq!(refuse["reason"], "banned_term");
    assert!(!refuse.to_string().contains("씨발"), "{refuse}");
    assert_eq!(hold["moderator"], Value::Null, "automatic");
    assert_eq!(hold["target"], json!({"type": "comment", "id": comment}));
    assert_eq!(hold["reason"], "phone_number");
    let times: Vec<DateTime<Utc>> = ours.iter().map(|e| time(&e["at"])).collect();
    assert!(
        times.windows(2).all(|w| w[0] >= w[1]),
        "newest first: {times:?}"
    );
}

#[tokio::test]
async fn the_log_pages_newest_first_without_overlap() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let reader = app.reader().await;
    let mut comments = Vec::new();
    for n in 0..7 {
        comments.push(id_of(
            &held(&app, &reader, DEMO_ARTICLE, &format!("{PHONE} #{n}")).await,
        ));
    }
    let everything = log_entries(&app, &moderator).await;

    let mut paged = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut path = "/api/v1/moderation/log?limit=3".to_owned();
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let page = json_body(app.get_as(&moderator, &path).await).await;
        let entries = page["entries"].as_array().unwrap();
        assert!(entries.len() <= 3, "{path}");
        paged.extend(entries.iter().map(id_of));
        pages += 1;
        assert!(pages <= 10, "paging ends");
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }

    let all: Vec<String> = everything.iter().map(id_of).collect();
    assert_eq!(paged, all, "every entry once, in the same order");
    assert_eq!(pages, all.len().div_ceil(3));
    let held_newest_first: Vec<String> = everything
        .iter()
        .filter(|e| e["action"] == "hold")
        .map(|e| e["target"]["id"].as_str().unwrap().to_owned())
        .collect();
    let mut expected = comments.clone();
    expected.reverse();
    assert_eq!(held_newest_first, expected);
    let bad = app
        .get_as(&moderator, "/api/v1/moderation/log?cursor=garbage")
        .await;
    assert_problem(bad, 400, "invalid_cursor").await;
}
