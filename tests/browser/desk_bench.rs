//! The desk's speed as a moderator feels it, measured in the browser: the
//! time until a queue of 100 is drawn and painted, and the time from a
//! decision's key to the next item focused and painted. Not a test: run by
//! `scripts/bench-desk` (`--ignored`), which prints the figures.
//!
//! The clocks are the page's own (`performance.now()`), read by a script put
//! into every document before the desk's own script runs, so the desk carries
//! no timing code.

use serde_json::{Value, json};

use crate::driver::Browser;
use crate::helpers::{TestApp, TestUser};

const QUEUE: usize = 100;
const LOADS: usize = 10;
const DECISIONS: usize = 60;

/// Records when the desk first shows `QUEUE` cards (after the next frame is
/// painted), and for each keydown the time until a card takes the focus and
/// the frame after it is painted.
const PROBE: &str = r#"
window.__desk = { painted: null, decisions: [] };
const afterPaint = (then) => requestAnimationFrame(() => setTimeout(then, 0));
new MutationObserver(function () {
  if (window.__desk.painted !== null) return;
  if (document.querySelectorAll('[data-desk=item]').length >= QUEUE) {
    window.__desk.painted = -1;
    afterPaint(() => { window.__desk.painted = performance.now(); });
  }
}).observe(document, { childList: true, subtree: true });
let pressed = null;
document.addEventListener('keydown', () => { pressed = performance.now(); }, true);
document.addEventListener('focusin', (event) => {
  if (pressed === null || !event.target.matches('[data-desk=item]')) return;
  const start = pressed;
  pressed = null;
  afterPaint(() => window.__desk.decisions.push(performance.now() - start));
}, true);
"#;

fn stats(mut samples: Vec<f64>) -> Value {
    samples.sort_by(f64::total_cmp);
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    json!({ "n": samples.len(), "median_ms": (at(0.5) * 10.0).round() / 10.0,
            "p95_ms": (at(0.95) * 10.0).round() / 10.0, "max_ms": (at(1.0) * 10.0).round() / 10.0 })
}

async fn fill_queue(app: &TestApp, moderator: &TestUser, n: usize) {
    let article = app
        .article(moderator, "desk-bench", json!({"premoderation": true}))
        .await;
    let reader = app.reader().await;
    for i in 0..n {
        let body =
            format!("벤치마크 댓글 {i}: 검토를 기다리는 의견입니다. https://news.example/{i}");
        app.held_comment(&reader, &article, &body).await;
    }
}

async fn paint_times(browser: &Browser, app: &TestApp) -> Vec<f64> {
    let mut samples = Vec::new();
    for _ in 0..LOADS {
        browser
            .client
            .goto(&format!("{}/desk?lang=ko", app.address))
            .await
            .unwrap();
        let painted = browser
            .desk_wait(
                "the queue of 100 painted",
                "return window.__desk && window.__desk.painted > 0 && window.__desk.painted;",
            )
            .await;
        samples.push(painted.as_f64().unwrap());
    }
    samples
}

#[tokio::test]
#[ignore = "a benchmark: run by scripts/bench-desk"]
async fn desk_bench() {
    let Some(browser) = Browser::launch().await else {
        panic!("the desk benchmark needs Chromium and ChromeDriver");
    };
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    fill_queue(&app, &moderator, QUEUE + DECISIONS).await;
    browser
        .cdp(
            "Page.addScriptToEvaluateOnNewDocument",
            json!({ "source": PROBE.replace("QUEUE", &QUEUE.to_string()) }),
        )
        .await;
    browser.open_desk_as(&app, &moderator, "ko").await;

    let paints = paint_times(&browser, &app).await;
    for n in 0..DECISIONS {
        let before = browser
            .desk("return window.__desk.decisions.length;", vec![])
            .await;
        browser
            .press_keys(if n % 5 == 4 { "r1" } else { "a" })
            .await;
        browser
            .desk_wait(
                "the next item focused",
                &format!("return window.__desk.decisions.length > {before};"),
            )
            .await;
    }
    let decisions: Vec<f64> = serde_json::from_value(
        browser
            .desk("return window.__desk.decisions;", vec![])
            .await,
    )
    .unwrap();
    let report = json!({
        "queue_of_100_painted": stats(paints),
        "decision_key_to_next_focused": stats(decisions),
    });
    println!("DESK BENCH {report}");
}
