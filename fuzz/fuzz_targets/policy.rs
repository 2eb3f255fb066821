//! The standards policy's normalizer and scanner on any text: folding is
//! idempotent, findings stay inside the text, and white space added at the
//! ends never changes the decision.
#![no_main]

use std::sync::LazyLock;

use comment_desk::policy::live::LivePolicy;
use comment_desk::policy::normalize::fold;
use comment_desk::policy::verdict;
use libfuzzer_sys::fuzz_target;

static POLICY: LazyLock<LivePolicy> =
    LazyLock::new(|| LivePolicy::load(None).expect("the built-in policy loads"));

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let folded = fold(text);
    assert_eq!(fold(&folded), folded, "folding is idempotent");

    let policy = POLICY.get();
    let findings = policy.scan(text);
    let length = text.chars().count();
    for finding in &findings {
        assert!(finding.start <= finding.end && finding.end <= length, "{finding:?}");
    }
    let padded = policy.scan(&format!(" \n{text}\t "));
    let codes = |f: &[comment_desk::domain::policy::Finding]| {
        let mut codes: Vec<&str> = f.iter().map(|f| f.code.as_str()).collect();
        codes.sort_unstable();
        codes.dedup();
        codes
    };
    assert_eq!(verdict(&findings), verdict(&padded), "padding changed the verdict");
    assert_eq!(codes(&findings), codes(&padded), "padding changed the rules that fire");
});
