//! How fast the term matcher is: a 250-character comment against 10,000 terms
//! must be checked in under 50 µs (median).
//!
//! Run: `cargo bench --bench policy -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;

use comment_desk::policy::terms::TermList;
use criterion::{Criterion, criterion_group, criterion_main};

const TERM_COUNT: usize = 10_000;
const COMMENT_CHARS: usize = 250;

/// Real terms, comma-separated, so the disguised comment has something to find.
const REAL_TERMS: &str = "fuck*, motherfucker*, shit*, bullshit*, ass, asshole*, bitch*, \
    bastard*, cunt*, cock, dick, dickhead*, pussy, whore*, slut*, twat*, wanker*, prick, retard, \
    hell, damn, go to hell, 씨발*, 시발*, 씨바*, ㅅㅂ, ㅆㅂ, ㅂㅅ, ㅈㄹ, 병신*, 븅신*, 지랄*, \
    개새끼*, 좆*, 존나*, 씹새끼*, 미친놈*, 미친년*, 썅*, 닥쳐*";

/// Syllables common in Korean text, so synthetic Korean terms share prefixes
/// with real comments and the automaton does real work.
const SYLLABLES: &str = "가고구기나노는다대도라로리마만무미바발보부사새서세소수시신아안어\
    에오요우은을의이인자장전정제조지진차하한해현호화회국민당론법원일";

/// A fixed-seed xorshift, so every run benchmarks the same list.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound as u64) as usize
    }
}

fn synthetic_term(rng: &mut XorShift, syllables: &[char]) -> String {
    let mut word = String::new();
    if rng.below(2) == 0 {
        for _ in 0..4 + rng.below(6) {
            word.push(char::from(b'a' + rng.below(26) as u8));
        }
    } else {
        for _ in 0..2 + rng.below(3) {
            word.push(syllables[rng.below(syllables.len())]);
        }
    }
    match rng.below(20) {
        0..=4 => format!("{word}*"),
        5 => format!("*{word}"),
        6 => format!("*{word}*"),
        _ => word,
    }
}

/// 10,000 terms: the real ones, then synthetic Latin and Hangul words, some with `*`.
fn terms() -> Vec<String> {
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    let syllables: Vec<char> = SYLLABLES.chars().collect();
    let mut terms: Vec<String> = REAL_TERMS.split(',').map(|t| t.trim().to_owned()).collect();
    while terms.len() < TERM_COUNT {
        terms.push(synthetic_term(&mut rng, &syllables));
    }
    terms
}

/// `text` repeated and cut to exactly 250 characters.
fn comment(text: &str) -> String {
    text.chars().cycle().take(COMMENT_CHARS).collect()
}

fn comments() -> [(&'static str, String); 3] {
    [
        (
            "korean",
            comment(
                "이번 정책 발표는 시민의 의견을 충분히 듣지 않은 것 같습니다. 2024년 6월에 \
                 시작된 논의가 아직도 결론을 내지 못했고, 국회와 정부는 서로 책임을 미루고만 \
                 있습니다. 기사 잘 읽었습니다. 다음 기사도 기대하겠습니다. ",
            ),
        ),
        (
            "english",
            comment(
                "The assistant minister's classic answer to the class of 2024 was a passage \
                 about hope, but hello, the budget still does not add up. Michelle from \
                 Scunthorpe asked the right question at the press conference; nobody answered. ",
            ),
        ),
        (
            "disguised",
            comment(
                "this is total s.h.i.t and you f u c k i n g know it, a$$hole. 씨~발 진짜 \
                 ㅅㅣㅂㅏㄹ 뭐하는 거냐 ㅂㅅ들아. Go to h e l l!!! ＦＵＣＫ this 병*신 정부, \
                 sh1t show, fuuuuck. 개새끼들 존나 ㅈㄹ하네. ",
            ),
        ),
    ]
}

fn find(c: &mut Criterion) {
    let terms = terms();
    let list = TermList::new(&terms, &[], &[]).expect("the benchmark terms are valid");
    let mut group = c.benchmark_group("find_250_chars_10000_terms");
    for (name, text) in comments() {
        let hits = list.find(&text).len();
        eprintln!("{name} comment: {hits} terms found");
        assert!(
            name != "disguised" || hits > 0,
            "the disguised comment has hits"
        );
        group.bench_function(name, |b| b.iter(|| list.find(black_box(&text))));
    }
    group.finish();
}

/// The whole check a comment gets from the policy: terms, personal
/// information and links, with a 10,000-term policy file.
fn scan(c: &mut Criterion) {
    let banned: Vec<String> = terms().iter().map(|t| format!("{t:?}")).collect();
    let file = format!("[terms]\nbanned = [{}]\n", banned.join(", "));
    let policy = comment_desk::policy::file::from_file("bench.toml", &file)
        .expect("the benchmark policy loads");
    let mut group = c.benchmark_group("policy_scan_250_chars_10000_terms");
    for (name, text) in comments() {
        group.bench_function(name, |b| b.iter(|| policy.scan(black_box(&text))));
    }
    group.finish();
}

/// The detectors of personal information and links on their own, which the
/// policy scan runs besides the terms.
fn detectors(c: &mut Criterion) {
    use comment_desk::policy::{links, personal};
    let allowed = vec!["joongang.co.kr".to_owned()];
    let mut group = c.benchmark_group("detectors_250_chars");
    for (name, text) in comments() {
        group.bench_function(format!("personal/{name}"), |b| {
            b.iter(|| personal::find(black_box(&text)))
        });
        group.bench_function(format!("links/{name}"), |b| {
            b.iter(|| links::find(black_box(&text), &allowed))
        });
    }
    group.finish();
}

/// The comment text rule (`CommentBody::parse`): NFC, forbidden characters,
/// fillers, trimming and the count, on the same comments and on Korean typed
/// as decomposed jamo, which NFC has to compose.
fn text_rule(c: &mut Criterion) {
    use unicode_normalization::UnicodeNormalization;
    let mut inputs: Vec<(&str, String)> = comments().into_iter().collect();
    let jamo: String = comments()[0].1.nfd().collect();
    inputs.push(("decomposed_jamo", jamo));
    let mut group = c.benchmark_group("comment_text_rule_250_chars");
    for (name, text) in inputs {
        assert!(comment_desk::domain::body::CommentBody::parse(&text, 250).is_ok());
        group.bench_function(name, |b| {
            b.iter(|| comment_desk::domain::body::CommentBody::parse(black_box(&text), 250))
        });
    }
    group.finish();
}

fn build(c: &mut Criterion) {
    let terms = terms();
    let mut group = c.benchmark_group("new");
    group.sample_size(10);
    group.bench_function("10000_terms", |b| {
        b.iter(|| TermList::new(black_box(&terms), &[], &[]))
    });
    group.finish();
}

criterion_group!(benches, find, scan, detectors, text_rule, build);
criterion_main!(benches);
