//! The moderation log: what it records and how it pages.

use super::*;
use crate::helpers::{LogEntry, Target};

#[tokio::test]
async fn the_log_records_decisions_sanctions_and_the_policys_own_actions() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let author = app.reader().await;
    let comment = app.held_comment(&author, DEMO_ARTICLE, PHONE).await.id;
    let refused = app.comment(&author, DEMO_ARTICLE, "씨발 이게 뭐냐").await;
    assert_eq!(refused.status(), 422);
    let reject =
        json!({"action": "reject", "reason": "personal_information", "note": "number posted"});
    app.decided(&moderator, &comment, &reject).await;
    let suspend = json!({"kind": "suspend", "until": in_days(2), "reason": "abuse"});
    app.sanctioned(&moderator, &author, &suspend).await;
    assert_eq!(
        app.delete_as(&moderator, &sanctions_path(&author))
            .await
            .status(),
        204
    );
    let ban = json!({"kind": "ban", "reason": "spam"});
    app.sanctioned(&moderator, &author, &ban).await;

    let entries = app.log(&moderator).await;

    let ours: Vec<&LogEntry> = entries
        .iter()
        .filter(|e| e.target.kind != "article")
        .collect();
    let actions: Vec<&str> = ours.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        ["ban", "lift", "suspend", "reject", "refuse", "hold"],
        "newest first"
    );
    let user = Target::user(&author);
    let by_moderator =
        |e: &LogEntry| e.moderator.as_ref().map(|m| m.id.as_str()) == Some(&moderator.id);
    let (ban, lift, suspend, reject, refuse, hold) =
        (ours[0], ours[1], ours[2], ours[3], ours[4], ours[5]);
    for entry in [ban, lift, suspend] {
        assert_eq!(entry.target, user, "{entry:?}");
        assert!(by_moderator(entry), "{entry:?}");
    }
    assert_eq!(ban.reason.as_deref(), Some("spam"));
    assert_eq!(suspend.reason.as_deref(), Some("abuse"));
    assert!(by_moderator(reject));
    assert_eq!(reject.target, Target::comment(&comment));
    assert_eq!(reject.reason.as_deref(), Some("personal_information"));
    assert_eq!(reject.note.as_deref(), Some("number posted"));
    assert!(refuse.moderator.is_none(), "automatic");
    assert_eq!(refuse.target, user, "the author; the text is not kept");
    assert_eq!(refuse.reason.as_deref(), Some("banned_term"));
    let raw = json_body(
        app.get_as(&moderator, "/api/v1/moderation/log?limit=100")
            .await,
    )
    .await;
    assert!(!raw.to_string().contains("씨발"), "{raw}");
    assert!(hold.moderator.is_none(), "automatic");
    assert_eq!(hold.target, Target::comment(&comment));
    assert_eq!(hold.reason.as_deref(), Some("phone_number"));
    let times: Vec<DateTime<Utc>> = ours.iter().map(|e| e.at).collect();
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
        let text = format!("{PHONE} #{n}");
        comments.push(app.held_comment(&reader, DEMO_ARTICLE, &text).await.id);
    }
    let everything = app.log(&moderator).await;

    let mut paged = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut path = "/api/v1/moderation/log?limit=3".to_owned();
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let page: Page<LogEntry> = parse(app.get_as(&moderator, &path).await).await;
        assert!(page.items.len() <= 3, "{path}");
        paged.extend(page.ids(|e| &e.id));
        pages += 1;
        assert!(pages <= 10, "paging ends");
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }

    let all: Vec<String> = everything.iter().map(|e| e.id.clone()).collect();
    assert_eq!(paged, all, "every entry once, in the same order");
    assert_eq!(pages, all.len().div_ceil(3));
    let held_newest_first: Vec<String> = everything
        .iter()
        .filter(|e| e.action == "hold")
        .map(|e| e.target.id.clone())
        .collect();
    let mut expected = comments.clone();
    expected.reverse();
    assert_eq!(held_newest_first, expected);
    let bad = app
        .get_as(&moderator, "/api/v1/moderation/log?cursor=garbage")
        .await;
    problem(bad, 400, "invalid_cursor").await;
}
