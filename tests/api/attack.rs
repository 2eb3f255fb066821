//! The attacker's pass of issue 12: disguises the fixes did not see through.

use comment_desk::domain::accounts::Role;
use serde_json::json;

use crate::helpers::{DEMO_ARTICLE, PASSWORD, TestApp};

/// A staff name in capitals is the same name: `I` must not fold to `l` when
/// the staff name has an `i`.
#[tokio::test]
async fn a_staff_name_in_capitals_is_reserved() {
    let app = TestApp::spawn().await;
    app.staff_named(Role::Moderator, "Night Desk").await;
    for (n, name) in ["NIGHT DESK", "NiGHT DESK", "N1ght Desk"]
        .iter()
        .enumerate()
    {
        let response = app
            .register(&format!("caps{n}@news.example"), name, PASSWORD)
            .await;
        assert_eq!(response.status(), 422, "{name:?} looks like Night Desk");
    }
}

/// Digits that are compatibility forms of decimal digits (circled,
/// superscript, subscript, with a full stop, in brackets) spell a resident
/// or phone number as well as `٩` or `９` do; none may be published.
#[tokio::test]
async fn numbers_in_compatibility_digits_are_never_published() {
    let app = TestApp::spawn_with(|s| s.rate_limits = false).await;
    let reader = app.reader().await;
    let numbers = [
        "⑨⓪⓪①⓪①-①②③④⑤⑥⑦",
        "⁹⁰⁰¹⁰¹-¹²³⁴⁵⁶⁷",
        "₉₀₀₁₀₁-₁₂₃₄₅₆₇",
        "⒐00⒈0⒈-⒈⒉⒊⒋⒌⒍⒎",
        "⓪①⓪-①②③④-⑤⑥⑦⑧",
        "❾⓿⓿❶⓿❶-❶❷❸❹❺❻❼",
    ];
    for (n, number) in numbers.iter().enumerate() {
        let body = format!("제 번호는 {number} 입니다 {n}");
        let response = app.comment(&reader, DEMO_ARTICLE, &body).await;
        assert_ne!(response.status(), 201, "{number:?} was published");
    }
}

/// Letters in mathematical styles fold to ASCII as full-width ones do.
#[tokio::test]
async fn addresses_in_mathematical_letters_are_never_published() {
    let app = TestApp::spawn_with(|s| s.rate_limits = false).await;
    let reader = app.reader().await;
    for (n, text) in ["𝐤𝐢𝐦@𝐧𝐚𝐯𝐞𝐫.𝐜𝐨𝐦", "𝐞𝐯𝐢𝐥.𝐜𝐨𝐦", "evil.ⓒⓞⓜ"].iter().enumerate()
    {
        let body = format!("연락 {text} {n}");
        let response = app.comment(&reader, DEMO_ARTICLE, &body).await;
        assert_ne!(response.status(), 201, "{text:?} was published");
    }
}

/// A link with a scheme is a link whatever its host.
#[tokio::test]
async fn links_with_a_scheme_are_held_whatever_the_host() {
    let app = TestApp::spawn_with(|s| s.rate_limits = false).await;
    let reader = app.reader().await;
    for (n, link) in ["http://3232235777/", "http://[::1]/x", "https://evil/x"]
        .iter()
        .enumerate()
    {
        let body = format!("여기 {link} 보세요 {n}");
        let response = app.comment(&reader, DEMO_ARTICLE, &body).await;
        assert_ne!(response.status(), 201, "{link:?} was published");
    }
}

/// A vowel or a dot between the syllables of a word parts it like a dash.
#[tokio::test]
async fn banned_terms_parted_by_a_vowel_or_a_dot_are_refused() {
    let app = TestApp::spawn_with(|s| s.rate_limits = false).await;
    let reader = app.reader().await;
    for (n, word) in ["씨ㅡ발", "씨\u{119E}발"].iter().enumerate() {
        let response = app
            .post_as(
                &reader,
                &format!("/api/v1/articles/{DEMO_ARTICLE}/comments"),
                &json!({"body": format!("{word} {n}")}),
            )
            .await;
        assert_eq!(response.status(), 422, "{word:?}");
    }
}

/// Tag characters inside an emoji tag sequence stay in the comment, and spell
/// ASCII no reader sees: a resident number, a banned word or a link hidden in
/// them must be read like the plain text.
#[tokio::test]
async fn what_tag_characters_spell_passes_the_policy() {
    let app = TestApp::spawn_with(|s| s.rate_limits = false).await;
    let reader = app.reader().await;
    let tags = |s: &str| -> String {
        let hidden: String = s
            .chars()
            .map(|c| char::from_u32(0xE0000 + c as u32).unwrap())
            .collect();
        format!("\u{1F3F4}{hidden}\u{E007F}")
    };
    for (hidden, status) in [
        ("900101-1234567", 422),
        ("fuck you", 422),
        ("evil.com/x", 202),
    ] {
        let body = format!("see {}", tags(hidden));
        let response = app.comment(&reader, DEMO_ARTICLE, &body).await;
        assert_eq!(response.status(), status, "{hidden:?} hidden in tags");
    }
    // The flags of England, Scotland and Wales stay publishable.
    for (n, flag) in ["gbeng", "gbsct", "gbwls"].iter().enumerate() {
        app.published(&reader, DEMO_ARTICLE, &format!("{} {n}", tags(flag)))
            .await;
    }
}
