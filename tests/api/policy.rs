//! The standards policy over HTTP: each rule publishes, holds or refuses as
//! written, with reasons in both languages, and decisions are recorded.

use std::path::PathBuf;

use chrono::{Duration, Utc};
use comment_desk::domain::ids::{AccountId, CommentId};
use comment_desk::domain::moderation::SanctionKind;
use comment_desk::storage::SanctionInsert;
use serde_json::{Value, json};
use tempfile::TempDir;

use crate::helpers::{
    DEMO_ARTICLE, TestApp, TestUser, assert_problem, database_url, json_body, start_binary,
};

const LIST: &str = "/api/v1/articles/putin-north-korea-signal/comments";

/// A policy file in its own folder; keep the folder alive while it is used.
fn policy_file(text: &str) -> (TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("policy.toml");
    std::fs::write(&path, text).unwrap();
    (dir, path)
}

async fn post_in(app: &TestApp, user: &TestUser, body: &str, lang: &str) -> reqwest::Response {
    app.client
        .post(app.url(LIST))
        .bearer_auth(&user.token)
        .header("accept-language", lang)
        .json(&json!({"body": body}))
        .send()
        .await
        .unwrap()
}

/// The codes of the rules `GET /policy` lists.
fn codes_of(policy: &Value) -> Vec<&str> {
    policy["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap())
        .collect()
}

fn rules_of(list: &Value) -> Vec<String> {
    list.as_array()
        .map(|items| {
            items
                .iter()
                .map(|v| v["rule"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn banned_terms_are_refused_through_their_disguises() {
    let app = TestApp::spawn().await;
    let reader = app.reader().await;
    let disguised = [
        "what the fuck is this",
        "F.U.C.K this treaty",
        "ｆｕｃｋ",
        "fuuuuck him",
        "f u c k",
        "sh1t deal",
        "씨발 이게 뭐냐",
        "씨~발",
        "시 발 진짜",
        "ㅅㅂ 진짜",
        "ㅅㅣㅂㅏㄹ",
        "병신같은 외교",
    ];
    for (n, text) in disguised.iter().enumerate() {
        let body = format!("{text} #{n}");
        let response = app.comment(&reader, DEMO_ARTICLE, &body).await;
        let problem = assert_problem(response, 422, "policy_violation").await;
        assert_eq!(
            rules_of(&problem["violations"]),
            ["banned_term"],
            "{text}: {problem}"
        );
    }
    assert_eq!(
        app.list(LIST).await["total"],
        0,
        "nothing refused was stored"
    );
    let decisions = app
        .store()
        .await
        .policy_decisions(AccountId::parse(&reader.id).unwrap())
        .await
        .unwrap();
    let refusals = decisions
        .iter()
        .filter(|d| d.action == "refuse" && d.codes == "banned_term")
        .count() as i64;
    assert_eq!(
        refusals as usize,
        disguised.len(),
        "each refusal is recorded"
    );
}

#[tokio::test]
async fn innocent_words_that_contain_banned_ones_are_published() {
    let app = TestApp::spawn().await;
    let reader = app.reader().await;
    let innocent = [
        "The assistant secretary spoke to the class about the passage.",
        "Hello from Scunthorpe, a classic shell of a town.",
        "이번 방문이 새로운 관계의 시발점이 될 수 있다.",
        "시민들은 발표를 기다렸습니다. 있습니다, 갔습니다.",
        "2024년 6월 18일, 24년 만의 방문이다.",
        "10시 발 부산행 열차를 탔습니다. 몇 시 발 열차인지 물었다.",
    ];
    for text in innocent {
        let response = app.comment(&reader, DEMO_ARTICLE, text).await;
        let status = response.status();
        assert_eq!(status, 201, "{text}: {}", json_body(response).await);
    }
}

#[tokio::test]
async fn refusals_tell_the_author_what_to_change_in_their_language() {
    let app = TestApp::spawn().await;
    let reader = app.reader().await;

    let english = assert_problem(
        post_in(&app, &reader, "you bastard", "en").await,
        422,
        "policy_violation",
    )
    .await;
    let korean = assert_problem(
        post_in(&app, &reader, "you bastard", "ko").await,
        422,
        "policy_violation",
    )
    .await;

    assert!(
        english["violations"][0]["message"]
            .as_str()
            .unwrap()
            .contains("“bastard”"),
        "{english}"
    );
    assert!(
        korean["violations"][0]["message"]
            .as_str()
            .unwrap()
            .contains("지우고"),
        "{korean}"
    );
}

#[tokio::test]
async fn suspect_terms_are_held_with_their_spans() {
    let app = TestApp::spawn().await;
    let reader = app.reader().await;
    let text = "그 사람은 정말 멍청이다";

    let response = app.comment(&reader, DEMO_ARTICLE, text).await;

    assert_eq!(response.status(), 202);
    let body = json_body(response).await;
    assert_eq!(body["comment"]["status"], "pending");
    assert_eq!(rules_of(&body["reasons"]), ["suspect_term"]);
    let id = CommentId::parse(body["comment"]["id"].as_str().unwrap()).unwrap();
    let store = app.store().await;
    let reasons = store.comment_reasons(id).await.unwrap();
    let (code, start, end, _) = &reasons[0];
    assert_eq!(code, "suspect_term");
    let matched: String = text
        .chars()
        .skip(*start as usize)
        .take((*end - *start) as usize)
        .collect();
    assert!(
        matched.starts_with("멍청"),
        "the span is in code points of the stored text: {matched}"
    );
}

#[tokio::test]
async fn personal_information_protects_the_author() {
    let app = TestApp::spawn().await;
    let reader = app.reader().await;
    let cases = [
        ("제 번호 010-1234-5678 로 연락 주세요", 202, "phone_number"),
        ("call me on +82 10 9876 5432", 202, "phone_number"),
        (
            "write to kim.reader@news.example please",
            202,
            "email_address",
        ),
        (
            "주민번호 900101-1234567 입니다",
            422,
            "resident_registration_number",
        ),
        (
            "my number ９００１０１－２２３４５６７ ok",
            422,
            "resident_registration_number",
        ),
    ];
    for (text, status, rule) in cases {
        let response = app.comment(&reader, DEMO_ARTICLE, text).await;
        assert_eq!(response.status(), status, "{text}");
        let body = json_body(response).await;
        let rules = if status == 202 {
            &body["reasons"]
        } else {
            &body["violations"]
        };
        assert_eq!(rules_of(rules), [rule], "{text}: {body}");
        if status == 422 {
            assert!(
                !body.to_string().contains("1234567"),
                "the number is not repeated back"
            );
        }
    }
    // The refused numbers were never written to the database file or its log.
    app.store().await.close().await;
    for name in ["comment-desk.db", "comment-desk.db-wal"] {
        let bytes = std::fs::read(app.dir.path().join(name)).unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text.contains("900101-1234567") && !text.contains("2234567"),
            "{name} holds a resident number"
        );
    }
}

#[tokio::test]
async fn links_are_held_unless_the_domain_is_allowed() {
    let app = TestApp::spawn().await;
    let reader = app.reader().await;

    let outside = app
        .comment(&reader, DEMO_ARTICLE, "more at https://spam.example/offer")
        .await;
    let trusted = app
        .comment(
            &reader,
            DEMO_ARTICLE,
            "the original: https://www.joongang.co.kr/article/123",
        )
        .await;

    assert_eq!(outside.status(), 202);
    assert_eq!(rules_of(&json_body(outside).await["reasons"]), ["link"]);
    assert_eq!(trusted.status(), 201);
}

/// Posts each text and asserts the rule it broke and the answer: held (202) or
/// refused (422), never published.
async fn assert_never_published(app: &TestApp, user: &TestUser, cases: &[(&str, u16, &str)]) {
    for (n, (text, status, rule)) in cases.iter().enumerate() {
        let body = format!("{text} #{n}");
        let response = app.comment(user, DEMO_ARTICLE, &body).await;
        assert_eq!(response.status(), *status, "{text}");
        let answer = json_body(response).await;
        let listed = if *status == 202 {
            &answer["reasons"]
        } else {
            &answer["violations"]
        };
        assert_eq!(rules_of(listed), [*rule], "{text}: {answer}");
    }
}

#[tokio::test]
async fn personal_information_in_disguise_is_never_published() {
    let app = TestApp::spawn().await;
    let reader = app.reader().await;
    let rrn = "resident_registration_number";
    let cases = [
        ("주민번호 900101.1234567", 422, rrn),
        ("900101_1234567", 422, rrn),
        ("900101/1234567 입니다", 422, rrn),
        ("900101--1234567", 422, rrn),
        ("90 01 01-1234567", 422, rrn),
        ("900101-123 4567", 422, rrn),
        ("𝟗𝟎𝟎𝟏𝟎𝟏-𝟏𝟐𝟑𝟒𝟓𝟔𝟕", 422, rrn),
        ("٩٠٠١٠١-١٢٣٤٥٦٧", 422, rrn),
        ("९००१०१-१२३४५६७", 422, rrn),
        ("연락 010_1234_5678", 202, "phone_number"),
        ("010 - 1234 - 5678", 202, "phone_number"),
        ("010/1234/5678", 202, "phone_number"),
        ("kim@naver。com", 202, "email_address"),
        ("kim＠naver.com", 202, "email_address"),
        ("kim (at) naver.com", 202, "email_address"),
    ];
    assert_never_published(&app, &reader, &cases).await;
    assert_eq!(app.list(LIST).await["total"], 0, "nothing was published");
}

#[tokio::test]
async fn links_in_disguise_and_under_any_real_domain_are_held() {
    let app = TestApp::spawn().await;
    let reader = app.reader().await;
    let cases = [
        ("evil．com/x", 202, "link"),
        ("evil。com", 202, "link"),
        ("evil[.]com", 202, "link"),
        ("buy at evil.shop", 202, "link"),
        ("evil.한국", 202, "link"),
        ("evil.xn--3e0b707e", 202, "link"),
        ("scam.click 로 오세요", 202, "link"),
        ("bit.ly/x", 202, "link"),
        ("evil.zip/download", 202, "link"),
    ];
    assert_never_published(&app, &reader, &cases).await;
    let trusted = app
        .comment(&reader, DEMO_ARTICLE, "원문: joongang．co．kr/article/1")
        .await;
    assert_eq!(trusted.status(), 201, "an allowed domain, disguised");
}

#[tokio::test]
async fn banned_terms_are_refused_through_splits_masks_and_keyboards() {
    let app = TestApp::spawn().await;
    let reader = app.reader().await;
    let banned = "banned_term";
    let cases = [
        ("fu ck", 422, banned),
        ("fuc k this", 422, banned),
        ("fu'ck", 422, banned),
        ("fu\u{0441}k", 422, banned),
        ("f*ck", 422, banned),
        ("시1발", 422, banned),
        ("병1신", 422, banned),
        ("ㅅ1ㅂ", 422, banned),
        ("씨\u{318D}발", 422, banned),
        ("tlqkf", 422, banned),
        ("qudtls", 422, banned),
    ];
    assert_never_published(&app, &reader, &cases).await;
}

#[tokio::test]
async fn innocent_numbers_file_names_and_words_are_published() {
    let app = TestApp::spawn().await;
    let reader = app.reader().await;
    let innocent = [
        "2024.06.19 10:30에 발표된 기사번호 20240619123456",
        "ISBN 978-89-123-4567-8, 가격 12,000,000원",
        "2024년 6월 19일, 1,234,567명이 모였다",
        "see report.pdf, photo.jpg and main.rs, e.g. v2.0",
        "좋다.그래서 갔다",
        "let's hit the road, it's hit or miss",
        "Scunthorpe's assassin took a slalom course",
        "제1차 세계대전, 시ㆍ군ㆍ구",
    ];
    for text in innocent {
        let response = app.comment(&reader, DEMO_ARTICLE, text).await;
        let status = response.status();
        assert_eq!(status, 201, "{text}: {}", json_body(response).await);
    }
}

#[tokio::test]
async fn the_same_text_again_is_refused_as_a_repeat() {
    let app = TestApp::spawn().await;
    let author = app.reader().await;
    let other = app.reader().await;
    app.published(&author, DEMO_ARTICLE, "Russia must not cross the red line.")
        .await;

    let again = app
        .comment(
            &author,
            DEMO_ARTICLE,
            "  RUSSIA must not cross the red line!!  ",
        )
        .await;
    let elsewhere = app
        .comment(
            &author,
            "putin-gorbachev-path",
            "Russia must not cross the red line.",
        )
        .await;
    let someone_else = app
        .comment(&other, DEMO_ARTICLE, "Russia must not cross the red line.")
        .await;

    let problem = assert_problem(again, 422, "policy_violation").await;
    assert_eq!(rules_of(&problem["violations"]), ["duplicate"]);
    assert_problem(elsewhere, 422, "policy_violation").await;
    assert_eq!(someone_else.status(), 201, "another author may agree");
}

#[tokio::test]
async fn comments_without_letters_are_repeats_only_of_the_same_symbols() {
    let app = TestApp::spawn().await;
    let reader = app.reader().await;
    app.published(&reader, DEMO_ARTICLE, "👍").await;

    let sad = app.comment(&reader, DEMO_ARTICLE, "😢").await;
    let question = app.comment(&reader, DEMO_ARTICLE, "?!").await;
    let thumbs_again = app.comment(&reader, DEMO_ARTICLE, " 👍 ").await;

    assert_eq!(sad.status(), 201, "another emoji is another comment");
    assert_eq!(question.status(), 201, "punctuation is what it says");
    let problem = assert_problem(thumbs_again, 422, "policy_violation").await;
    assert_eq!(rules_of(&problem["violations"]), ["duplicate"]);
}

#[tokio::test]
async fn flooding_is_rate_limited_per_account() {
    // Quotas off: the interval between comments would refuse the second first.
    let (_dir, path) = policy_file(concat!(
        "[flooding]\nlimits = [\"2/1m\"]\n",
        "[quotas]\ncomments_per_day = 0\ncomments_per_article = 0\nmin_interval = \"0s\"\n",
        "reactions_per_day = 0\nnew_account_wait = \"0s\"\nday_starts = \"+09:00\"\n",
    ));
    let app = TestApp::spawn_with(|s| {
        s.policy_file = Some(path.clone());
        s.rate_limits = true;
    })
    .await;
    let fast = app.reader().await;
    let other = app.reader().await;

    app.published(&fast, DEMO_ARTICLE, "first thought").await;
    app.published(&fast, DEMO_ARTICLE, "second thought").await;
    let third = app.comment(&fast, DEMO_ARTICLE, "third thought").await;

    let retry_after: u64 = third.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after), "Retry-After {retry_after}");
    assert_problem(third, 429, "rate_limited").await;
    assert_eq!(
        app.comment(&other, DEMO_ARTICLE, "my own thought")
            .await
            .status(),
        201
    );

    let unlimited = TestApp::spawn_with(|s| {
        s.policy_file = Some(path);
        s.rate_limits = false;
    })
    .await;
    let reader = unlimited.reader().await;
    for n in 0..4 {
        assert_eq!(
            unlimited
                .comment(&reader, DEMO_ARTICLE, &format!("thought {n}"))
                .await
                .status(),
            201
        );
    }
}

#[tokio::test]
async fn new_commenters_can_be_held() {
    let (_dir, path) = policy_file("[new_commenters]\nhold_first = 2\n");
    let app = TestApp::spawn_with(|s| s.policy_file = Some(path)).await;
    let newcomer = app.reader().await;
    let moderator = app.moderator().await;

    let first = app
        .comment(&newcomer, DEMO_ARTICLE, "my first comment")
        .await;
    let staff = app.comment(&moderator, DEMO_ARTICLE, "staff note").await;

    assert_eq!(first.status(), 202);
    assert_eq!(
        rules_of(&json_body(first).await["reasons"]),
        ["new_commenter"]
    );
    assert_eq!(staff.status(), 201, "staff are not new commenters");
}

#[tokio::test]
async fn premoderated_editorials_say_why_comments_wait() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    app.article(&moderator, "premod", json!({"premoderation": true}))
        .await;
    let reader = app.reader().await;

    let response = app.comment(&reader, "premod", "a measured view").await;

    assert_eq!(response.status(), 202);
    assert_eq!(
        rules_of(&json_body(response).await["reasons"]),
        ["premoderation"]
    );
}

#[tokio::test]
async fn suspended_and_banned_accounts_are_refused() {
    let app = TestApp::spawn().await;
    let suspended = app.reader().await;
    let banned = app.reader().await;
    let served = app.reader().await;
    let store = app.store().await;
    let id = |u: &TestUser| AccountId::parse(&u.id).unwrap();
    let now = Utc::now();
    let sanction = |account: &TestUser, kind, until, created| SanctionInsert {
        account_id: id(account),
        kind,
        until,
        reason: "test",
        moderator_id: None,
        reject_pending: false,
        now: created,
    };
    let suspension = sanction(
        &suspended,
        SanctionKind::Suspend,
        Some(now + Duration::days(3)),
        now,
    );
    let ban = sanction(&banned, SanctionKind::Ban, None, now);
    let over = sanction(
        &served,
        SanctionKind::Suspend,
        Some(now - Duration::hours(1)),
        now - Duration::days(1),
    );
    for new in [suspension, ban, over] {
        store.insert_sanction(new).await.unwrap().unwrap();
    }

    let problem = assert_problem(
        app.comment(&suspended, DEMO_ARTICLE, "hello").await,
        403,
        "account_suspended",
    )
    .await;
    assert!(problem["until"].as_str().unwrap().ends_with('Z'));
    assert_problem(
        app.comment(&banned, DEMO_ARTICLE, "hello").await,
        403,
        "account_banned",
    )
    .await;
    assert_eq!(
        app.comment(&served, DEMO_ARTICLE, "hello").await.status(),
        201,
        "a suspension that is over"
    );
}

#[tokio::test]
async fn the_dry_run_applies_the_whole_policy() {
    let app = TestApp::spawn().await;
    let reader = app.reader().await;
    app.published(&reader, DEMO_ARTICLE, "said once").await;
    let dry = |body: &str, user: Option<&TestUser>| {
        let mut request = app
            .client
            .post(app.url("/api/v1/comments/validate"))
            .json(&json!({"body": body}));
        if let Some(user) = user {
            request = request.bearer_auth(&user.token);
        }
        async move { json_body(request.send().await.unwrap()).await }
    };

    let banned = dry("ㅅㅂ", None).await;
    let held = dry("call 010-1234-5678", None).await;
    let clean = dry("a fair point", None).await;
    let repeat = dry("said once", Some(&reader)).await;

    assert_eq!(
        (banned["ok"].clone(), banned["action"].clone()),
        (json!(false), json!("refuse"))
    );
    assert_eq!(rules_of(&banned["violations"]), ["banned_term"]);
    assert_eq!(
        (held["ok"].clone(), held["action"].clone()),
        (json!(true), json!("hold"))
    );
    assert_eq!(
        (clean["action"].clone(), clean["violations"].clone()),
        (json!("publish"), json!([]))
    );
    assert_eq!(rules_of(&repeat["violations"]), ["duplicate"]);
    assert_eq!(
        app.list(LIST).await["total"],
        1,
        "the dry run stored nothing"
    );
}

#[tokio::test]
async fn a_newsroom_policy_file_decides_as_written() {
    let (_dir, path) = policy_file(concat!(
        "[text]\nen = \"House rules\"\nko = \"우리 신문 원칙\"\n\n",
        "[terms]\nbanned = [\"darn*\"]\nsuspect = []\nallowed = []\n\n",
        "[rules.link]\naction = \"refuse\"\nmessage = { en = \"No links, please.\", ko = \"링크는 안 됩니다.\" }\n",
    ));
    let app = TestApp::spawn_with(|s| s.policy_file = Some(path)).await;
    let reader = app.reader().await;

    let darn = app.comment(&reader, DEMO_ARTICLE, "darned treaty").await;
    let link = app
        .comment(&reader, DEMO_ARTICLE, "see spam.example.com")
        .await;
    let formerly_banned = app.comment(&reader, DEMO_ARTICLE, "what the fuck").await;
    let policy = app.list("/api/v1/policy").await;

    assert_eq!(
        rules_of(&assert_problem(darn, 422, "policy_violation").await["violations"]),
        ["banned_term"]
    );
    let link = assert_problem(link, 422, "policy_violation").await;
    assert_eq!(link["violations"][0]["message"], "No links, please.");
    assert_eq!(
        formerly_banned.status(),
        201,
        "the file's term list replaced the built-in one"
    );
    assert_eq!(policy["text"], "House rules");
    let codes = codes_of(&policy);
    for code in [
        "comment_too_long",
        "banned_term",
        "suspect_term",
        "resident_registration_number",
        "phone_number",
        "email_address",
        "link",
        "duplicate",
        "new_commenter",
        "premoderation",
    ] {
        assert!(codes.contains(&code), "{code} listed");
    }
    let link_rule = policy["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code"] == "link")
        .unwrap();
    assert_eq!(link_rule["action"], "refuse");
}

#[tokio::test]
async fn sighup_reloads_the_policy_and_a_bad_file_keeps_the_old_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("policy.toml");
    std::fs::write(&path, "[text]\nen = \"First rules\"\nko = \"첫 원칙\"\n").unwrap();
    let database = database_url(dir.path()).await;
    let server = start_binary(
        dir.path(),
        &[
            ("DATABASE_URL", &database),
            ("POLICY_FILE", path.to_str().unwrap()),
        ],
    )
    .await;
    let client = reqwest::Client::new();
    let policy_text = || async {
        let policy: Value = client
            .get(format!("{}/api/v1/policy", server.address))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        policy["text"].as_str().unwrap().to_owned()
    };
    let hangup = || {
        let pid = server.child.id().unwrap().to_string();
        assert!(
            std::process::Command::new("kill")
                .args(["-HUP", &pid])
                .status()
                .unwrap()
                .success()
        );
    };
    assert_eq!(policy_text().await, "First rules");

    std::fs::write(&path, "[text]\nen = \"Second rules\"\nko = \"둘째 원칙\"\n").unwrap();
    hangup();
    assert!(
        server.wait_for_log("standards policy reloaded").await,
        "reload logged"
    );
    assert_eq!(policy_text().await, "Second rules");

    std::fs::write(&path, "[text]\nen = \"Third\"\nko = 3\n").unwrap();
    hangup();
    assert!(
        server.wait_for_log("policy.toml:3").await,
        "the log names the file and line"
    );
    assert_eq!(
        policy_text().await,
        "Second rules",
        "the old policy stays in force"
    );
    let health = client
        .get(format!("{}/healthz", server.address))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200, "still serving");
}

#[tokio::test]
async fn the_policy_lists_its_rules_in_the_readers_language() {
    let app = TestApp::spawn().await;

    let english = app.list("/api/v1/policy").await;
    let korean = app
        .client
        .get(app.url("/api/v1/policy"))
        .header("accept-language", "ko")
        .send()
        .await
        .unwrap();
    let korean = json_body(korean).await;

    assert_eq!(english["max_length"], 250);
    assert_eq!(english["counting"], "code_points");
    let codes = codes_of(&english);
    for code in [
        "comment_empty",
        "comment_too_long",
        "comment_invalid_characters",
    ] {
        assert!(codes.contains(&code), "{code}");
    }
    assert!(
        english["text"]
            .as_str()
            .unwrap()
            .contains("Standards Board Policy")
    );
    assert!(korean["text"].as_str().unwrap().contains("원칙"));
    assert_ne!(english["rules"][0]["title"], korean["rules"][0]["title"]);
}
