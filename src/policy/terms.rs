//! The standards policy's term lists: banned and suspect words, and the
//! allow-list that lets innocent words containing them through.
//!
//! Pattern syntax: `word` matches a whole word, `word*` a word that starts with
//! it (Korean profanity takes particles: `씨발*` matches 씨발놈아), `*word` a word
//! that ends with it, `*word*` anywhere inside a word; several words match in
//! sequence. Patterns and text are compared in their folded form
//! ([`super::normalize`]), and a match is reported at the byte offsets of the
//! text as written, covering the whole disguised word ("s.h.i.t", "씨~발").
//!
//! Each banned or suspect term is also sought as it is disguised in ways the
//! folding cannot undo by itself: with letters masked by `*` (`f*ck`, `f**k`:
//! one or two letters inside a Latin term), and, for a Korean term of two
//! syllables or more, as typed on an English keyboard in the 2-set layout
//! (`tlqkf` for 시발, `qudtls` for 병신). A keyboard match counts only where
//! the letters of the whole word can be typed Korean (consonant, vowel,
//! consonants), so "slalom" is not 니미 and a suffix (`tlqkfsha`, 시발놈) is.
//!
//! All patterns go into one Aho-Corasick automaton at [`TermList::new`]; `find`
//! folds the text once and runs the automaton twice: over the folded text, and
//! over it with the spaces between words left out ([`Folded::glued`]), where
//! a match must cross a space and cover whole words (`fu ck`, `개 새끼`, but
//! not "시 발표"). A 250-character comment is checked against 10,000 terms in
//! microseconds.

use std::fmt;
use std::ops::Range;

use aho_corasick::{AhoCorasick, MatchKind};

use super::normalize::{Folded, Glued, Slot};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TermKind {
    Banned,
    Suspect,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TermMatch {
    pub kind: TermKind,
    /// The pattern as the policy wrote it.
    pub term: String,
    /// Byte offsets into the text passed to `find`, on char boundaries,
    /// covering the disguised word as written.
    pub start: usize,
    pub end: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("term {pattern:?}: {reason}")]
pub struct TermError {
    pub pattern: String,
    pub reason: String,
}

/// Banned and suspect terms with their allow-list, ready to search texts.
#[derive(Clone)]
pub struct TermList {
    plain: Matcher,
    /// The masked forms (`f*ck`), many and only needed where a text has a `*`.
    masked: Matcher,
    terms: usize,
    allowed: usize,
}

/// Patterns in one Aho-Corasick automaton.
#[derive(Clone)]
struct Matcher {
    automaton: AhoCorasick,
    /// For each pattern of the automaton, the range of `patterns` that fold to it.
    groups: Vec<Range<usize>>,
    patterns: Vec<Pattern>,
}

/// What a pattern is listed for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Term(TermKind),
    Allowed,
}

/// One pattern of a list, folded.
#[derive(Debug, Clone)]
struct Pattern {
    role: Role,
    written: String,
    /// Its place across the lists, so the first of two equal matches is kept.
    order: usize,
    /// `*word`: may start inside a word.
    open_start: bool,
    /// `word*`: may end inside a word.
    open_end: bool,
    /// The run length of each folded character: `ass` needs two s, `as` has one.
    /// 0 for a masked letter (`*`), which any run of stars fits.
    runs: Box<[u16]>,
    /// Korean as typed on an English keyboard: the word must be typeable Korean.
    keyboard: bool,
}

/// The 2-set (두벌식) keyboard: the key of each initial consonant, U+1100–U+1112.
const LEAD_KEYS: [&str; 19] = [
    "r", "R", "s", "e", "E", "f", "a", "q", "Q", "t", "T", "d", "w", "W", "c", "z", "x", "v", "g",
];
/// The keys of each vowel, U+1161–U+1175.
const VOWEL_KEYS: [&str; 21] = [
    "k", "o", "i", "O", "j", "p", "u", "P", "h", "hk", "ho", "hl", "y", "n", "nj", "np", "nl", "b",
    "m", "ml", "l",
];

impl TermList {
    pub fn new(
        banned: &[String],
        suspect: &[String],
        allowed: &[String],
    ) -> Result<TermList, TermError> {
        let lists = [
            (Role::Term(TermKind::Banned), banned),
            (Role::Term(TermKind::Suspect), suspect),
            (Role::Allowed, allowed),
        ];
        let mut plain = Vec::with_capacity(banned.len() + suspect.len() + allowed.len());
        let mut masked = Vec::new();
        let mut order = 0;
        for (role, list) in lists {
            for written in list {
                let (key, pattern) = Pattern::parse(written, role, order)?;
                if role != Role::Allowed {
                    masked.extend(pattern.masked(&key));
                    plain.extend(pattern.typed_on_english_keys(&key));
                }
                plain.push((key, pattern));
                order += 1;
            }
        }
        Ok(TermList {
            plain: Matcher::new(plain)?,
            masked: Matcher::new(masked)?,
            terms: banned.len() + suspect.len(),
            allowed: allowed.len(),
        })
    }

    /// The banned and suspect terms found in `text`, in order of start; one
    /// match per span and kind, and none inside a match of the allow-list.
    pub fn find<'a>(&'a self, text: &str) -> Vec<TermMatch> {
        let folded = Folded::new(text);
        let mut found: Vec<(Range<usize>, TermKind, &Pattern)> = Vec::new();
        let mut allowed: Vec<Range<usize>> = Vec::new();
        let mut keep = |span: Range<usize>, pattern: &'a Pattern| match pattern.role {
            Role::Term(kind) => found.push((span, kind, pattern)),
            Role::Allowed => allowed.push(span),
        };
        let glued = folded.glued();
        self.plain.search(&folded, &glued, &mut keep);
        if folded.key.contains(&b'*') {
            self.masked.search(&folded, &glued, &mut keep);
        }
        found.retain(|(span, _, _)| !allowed.iter().any(|allow| contains(allow, span)));
        found.sort_by_key(|(span, kind, pattern)| {
            (
                span.start,
                span.end,
                *kind == TermKind::Suspect,
                pattern.order,
            )
        });
        found.dedup_by(|(span, kind, _), (kept_span, kept_kind, _)| {
            span == kept_span && kind == kept_kind
        });
        found
            .into_iter()
            .map(|(span, kind, pattern)| TermMatch {
                kind,
                term: pattern.written.clone(),
                start: span.start,
                end: span.end,
            })
            .collect()
    }

    /// The number of banned and suspect patterns.
    pub fn len(&self) -> usize {
        self.terms
    }

    pub fn is_empty(&self) -> bool {
        self.terms == 0
    }
}

impl fmt::Debug for TermList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TermList")
            .field("terms", &self.terms)
            .field("allowed", &self.allowed)
            .finish_non_exhaustive()
    }
}

impl Matcher {
    fn new(folded: Vec<(Vec<u8>, Pattern)>) -> Result<Matcher, TermError> {
        let (keys, groups, patterns) = group_by_key(folded);
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .build(&keys)
            .map_err(|error| TermError {
                pattern: String::new(),
                reason: format!("the term list cannot be compiled: {error}"),
            })?;
        Ok(Matcher {
            automaton,
            groups,
            patterns,
        })
    }

    /// Gives `keep` every pattern found in the folded text, and every one
    /// found across words in its glued form.
    fn search<'a>(
        &'a self,
        folded: &Folded,
        glued: &Glued,
        keep: &mut impl FnMut(Range<usize>, &'a Pattern),
    ) {
        for hit in self.automaton.find_overlapping_iter(&folded.key) {
            let Some(first) = folded.slot_at(hit.start()) else {
                continue;
            };
            for pattern in self.group(hit.pattern().as_usize()) {
                if let Some(span) = pattern.span(&folded.slots, first) {
                    keep(span, pattern);
                }
            }
        }
        if glued.chars.len() == folded.slots.len() {
            return; // no space to glue across
        }
        for hit in self.automaton.find_overlapping_iter(&glued.key) {
            let Ok(first) = glued.chars.binary_search_by_key(&hit.start(), |c| c.0) else {
                continue;
            };
            for pattern in self.group(hit.pattern().as_usize()) {
                if let Some(span) = pattern.glued_span(&folded.slots, glued, first) {
                    keep(span, pattern);
                }
            }
        }
    }

    fn group(&self, key: usize) -> &[Pattern] {
        &self.patterns[self.groups[key].clone()]
    }
}

impl Pattern {
    /// Reads `*`s at the ends and folds the rest; gives the folded key too.
    fn parse(written: &str, role: Role, order: usize) -> Result<(Vec<u8>, Pattern), TermError> {
        let error = |reason: &str| TermError {
            pattern: written.to_owned(),
            reason: reason.to_owned(),
        };
        let trimmed = written.trim();
        if trimmed.is_empty() {
            return Err(error("the pattern is empty"));
        }
        let (open_start, rest) = match trimmed.strip_prefix('*') {
            Some(rest) => (true, rest),
            None => (false, trimmed),
        };
        let (open_end, core) = match rest.strip_suffix('*') {
            Some(core) => (true, core),
            None => (false, rest),
        };
        if core.contains('*') {
            return Err(error("a * may only stand at the start or the end"));
        }
        let folded = Folded::new(core);
        if folded.slots.is_empty() {
            return Err(error("the pattern has no letters or digits to match"));
        }
        let runs = folded.slots.iter().map(|slot| slot.run).collect();
        let pattern = Pattern {
            role,
            written: written.to_owned(),
            order,
            open_start,
            open_end,
            runs,
            keyboard: false,
        };
        Ok((folded.key, pattern))
    }

    /// The pattern with one or two letters inside masked by `*`, for a term
    /// of Latin letters only (`fuck` → `f*ck`, `fu*k`, `f*k`).
    fn masked(&self, key: &[u8]) -> Vec<(Vec<u8>, Pattern)> {
        let letters = key.len();
        if letters != self.runs.len() || letters < 3 || !key.iter().all(u8::is_ascii_lowercase) {
            return Vec::new();
        }
        let mut variants = Vec::new();
        for from in 1..letters - 1 {
            for to in (from + 1..letters).take(2) {
                let masked_key = [&key[..from], b"*", &key[to..]].concat();
                let runs = [&self.runs[..from], &[0], &self.runs[to..]].concat();
                let variant = Pattern {
                    runs: runs.into_boxed_slice(),
                    ..self.clone()
                };
                variants.push((masked_key, variant));
            }
        }
        variants
    }

    /// The pattern as typed on an English keyboard, for a Korean term of two
    /// syllables or more (`시발` → `tlqkf`); one or two keys would match
    /// ordinary English words.
    fn typed_on_english_keys(&self, key: &[u8]) -> Option<(Vec<u8>, Pattern)> {
        if key.len() != self.runs.len() {
            return None;
        }
        let mut keys = String::new();
        let mut vowels = 0;
        // In the key, each modern jamo is one byte (see `Folded::key`).
        for (byte, run) in key.iter().zip(self.runs.iter()) {
            let typed = match byte {
                0x80..=0x92 => LEAD_KEYS[usize::from(byte - 0x80)],
                0xA0..=0xB4 => {
                    vowels += 1;
                    VOWEL_KEYS[usize::from(byte - 0xA0)]
                }
                _ => return None,
            };
            for _ in 0..*run {
                keys.push_str(typed);
            }
        }
        if vowels < 2 {
            return None;
        }
        let typed = Folded::new(&keys);
        let runs = typed.slots.iter().map(|slot| slot.run).collect();
        let variant = Pattern {
            runs,
            keyboard: true,
            ..self.clone()
        };
        Some((typed.key, variant))
    }

    /// The span of the original text matched when the folded pattern was found
    /// at slot `first`, if the match keeps to word boundaries and whole characters.
    /// A wildcard match covers the whole word it is part of ("씨발놈아" for `씨발*`).
    fn span(&self, slots: &[Slot], first: usize) -> Option<Range<usize>> {
        let last = first + self.runs.len().checked_sub(1)?;
        let matched = slots.get(first..=last)?;
        let (head, tail) = (matched.first()?, matched.last()?);
        if (!self.open_start && !head.word_start) || (!self.open_end && !tail.word_end) {
            return None;
        }
        if !self.runs_fit(matched.iter()) {
            return None;
        }
        let (mut from, mut to) = (first, last);
        if self.open_start {
            from = (0..=first)
                .rev()
                .find(|i| slots[*i].word_start)
                .unwrap_or(first);
        }
        if self.open_end {
            to = (last..slots.len())
                .find(|i| slots[*i].word_end)
                .unwrap_or(last);
        }
        if self.keyboard && !types_korean(slots[from..=to].iter()) {
            return None;
        }
        // The match itself must cover whole characters ("시바를" is not "시발").
        let (start, end) = (head.start?, tail.end?);
        let start = slots[from].start.unwrap_or(start);
        let end = slots[to].end.unwrap_or(end);
        Some(start..end).filter(|span| span.start < span.end)
    }

    /// The span matched in the glued text from its character `first`: only a
    /// match that crosses a space between words and covers them whole, so
    /// that "fu ck" is found and "시 발표" ("시발" and a syllable more) is not.
    /// A match inside one word is the first pass's to find.
    fn glued_span(&self, slots: &[Slot], glued: &Glued, first: usize) -> Option<Range<usize>> {
        let count = self.runs.len();
        let chars = glued.chars.get(first..first + count)?;
        let (head, tail) = (chars.first()?, chars.last()?);
        let crosses = head.2 != tail.2;
        let starts_word = first == 0 || glued.chars[first - 1].2 != head.2;
        let ends_word = glued
            .chars
            .get(first + count)
            .is_none_or(|next| next.2 != tail.2);
        if !crosses || !starts_word || !ends_word {
            return None;
        }
        let matched = chars.iter().map(|c| &slots[c.1]);
        // A space kept in the glued text (around a contraction) is not crossed.
        if matched
            .clone()
            .any(|slot| slot.start.is_none() && slot.ch == ' ')
        {
            return None;
        }
        if !self.runs_fit(matched.clone()) || (self.keyboard && !types_korean(matched)) {
            return None;
        }
        let span = slots[head.1].start?..slots[tail.1].end?;
        Some(span).filter(|span| span.start < span.end)
    }

    fn runs_fit<'s>(&self, slots: impl Iterator<Item = &'s Slot>) -> bool {
        slots
            .zip(self.runs.iter())
            .all(|(slot, run)| run_fits(slot, *run))
    }
}

/// Patterns that fold alike share one entry of the automaton: gives the distinct
/// keys and, for each, its range of the patterns, sorted by key.
fn group_by_key(
    mut folded: Vec<(Vec<u8>, Pattern)>,
) -> (Vec<Vec<u8>>, Vec<Range<usize>>, Vec<Pattern>) {
    folded.sort_by(|(a, _), (b, _)| a.cmp(b));
    let mut keys: Vec<Vec<u8>> = Vec::new();
    let mut groups: Vec<Range<usize>> = Vec::new();
    let mut patterns = Vec::with_capacity(folded.len());
    for (key, pattern) in folded {
        match groups.last_mut() {
            Some(group) if keys.last() == Some(&key) => group.end += 1,
            _ => {
                keys.push(key);
                groups.push(patterns.len()..patterns.len() + 1);
            }
        }
        patterns.push(pattern);
    }
    (keys, groups, patterns)
}

/// A collapsed run in the text stands for the pattern's run if it is as long,
/// or longer by repeating a letter ("fuuuck"); "as" is not "ass", and the `il`
/// of "tilt" (both fold to i) is not the `i` of "tit".
fn run_fits(slot: &Slot, run: u16) -> bool {
    run == 0 || slot.run == run || (slot.run > run && slot.stretched)
}

/// The letters can be typed as Korean on the 2-set keyboard: each syllable an
/// initial consonant, a vowel (or a compound one, `hk` ㅘ), and up to two
/// final consonants. Folded letters: `l` reads as `i`, both vowels.
fn types_korean<'s>(slots: impl Iterator<Item = &'s Slot>) -> bool {
    const VOWELS: &[u8] = b"yuiophjkbnm";
    const CONSONANTS: &[u8] = b"qwertasdfgzxcv";
    let mut consonants = 0;
    let mut vowel: Option<u8> = None;
    let mut syllables = 0;
    for slot in slots {
        let Ok(key) = u8::try_from(slot.ch) else {
            return false;
        };
        let run = usize::from(slot.run);
        if CONSONANTS.contains(&key) {
            consonants += run;
            continue;
        }
        if !VOWELS.contains(&key) {
            return false;
        }
        let compound =
            consonants == 0 && run == 1 && vowel.is_some_and(|first| is_compound_vowel(first, key));
        let starts_syllable = if syllables == 0 {
            consonants == 1
        } else {
            (1..=3).contains(&consonants)
        };
        if !compound && (!starts_syllable || run > 1) {
            return false;
        }
        if !compound {
            syllables += 1;
        }
        vowel = (!compound).then_some(key);
        consonants = 0;
    }
    syllables > 0 && consonants <= 2
}

/// ㅘ ㅙ ㅚ ㅝ ㅞ ㅟ ㅢ, as two keys.
fn is_compound_vowel(first: u8, second: u8) -> bool {
    matches!(
        (first, second),
        (b'h', b'k' | b'o' | b'i') | (b'n', b'j' | b'p' | b'i') | (b'm', b'i')
    )
}

fn contains(outer: &Range<usize>, inner: &Range<usize>) -> bool {
    outer.start <= inner.start && inner.end <= outer.end
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A realistic list: mild to strong profanity and slurs in both languages.
    const BANNED: &[&str] = &[
        // English
        "fuck*",
        "motherfucker*",
        "shit*",
        "bullshit*",
        "ass",
        "asshole*",
        "bitch*",
        "bastard*",
        "cunt*",
        "cock",
        "dick",
        "dickhead*",
        "pussy",
        "whore*",
        "slut*",
        "twat*",
        "wanker*",
        "prick",
        "retard",
        "nigger*",
        "faggot*",
        "hell",
        "damn",
        // Korean
        "씨발*",
        "시발*",
        "씨바*",
        "ㅅㅂ",
        "ㅆㅂ",
        "ㅂㅅ",
        "ㅈㄹ",
        "병신*",
        "븅신*",
        "지랄*",
        "개새끼*",
        "좆*",
        "존나*",
        "씹새끼*",
        "니애미*",
        "느금마*",
        "미친놈*",
        "미친년*",
        "썅*",
        "한남충*",
        "김치녀*",
        "쪽바리*",
        "짱깨*",
        "틀딱*",
    ];
    const SUSPECT: &[&str] = &[
        "go to hell",
        "kill yourself",
        "kys",
        "idiot*",
        "moron*",
        "stupid",
        "닥쳐*",
        "꺼져",
        "엿먹어*",
        "ㅗ",
    ];
    const ALLOWED: &[&str] = &["시발점*", "시발역*", "scunthorpe"];

    fn strings(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    fn default_list() -> TermList {
        TermList::new(&strings(BANNED), &strings(SUSPECT), &strings(ALLOWED)).unwrap()
    }

    fn list(banned: &[&str]) -> TermList {
        TermList::new(&strings(banned), &[], &[]).unwrap()
    }

    /// Asserts that `text` holds `term`, matched over exactly `covered`.
    fn assert_finds(terms: &TermList, text: &str, term: &str, covered: &str, why: &str) {
        let found = terms.find(text);
        let hit = found.iter().find(|m| m.term == term);
        let Some(hit) = hit else {
            panic!("{why}: {text:?} should match {term:?}, found {found:?}");
        };
        assert_eq!(
            &text[hit.start..hit.end],
            covered,
            "{why}: span of {term:?} in {text:?}"
        );
    }

    #[test]
    fn sees_through_case_and_full_width_forms() {
        let terms = default_list();
        let cases = [
            ("FUCK off", "fuck*", "FUCK", "capitals"),
            ("what the FuCkInG", "fuck*", "FuCkInG", "mixed case"),
            ("ＦＵＣＫ", "fuck*", "ＦＵＣＫ", "full-width capitals"),
            ("ｆｕｃｋ you", "fuck*", "ｆｕｃｋ", "full-width"),
            (
                "Ｓｈｉｔ!",
                "shit*",
                "Ｓｈｉｔ",
                "full-width, then punctuation",
            ),
            (
                "\u{FFB5}\u{FFB2}",
                "ㅅㅂ",
                "\u{FFB5}\u{FFB2}",
                "half-width jamo ㅅㅂ",
            ),
            ("ＨＥＬＬ", "hell", "ＨＥＬＬ", "full-width double letter"),
        ];
        for (text, term, covered, why) in cases {
            assert_finds(&terms, text, term, covered, why);
        }
    }

    #[test]
    fn sees_through_spaces_dots_and_symbols_between_letters() {
        let terms = default_list();
        let cases = [
            ("you f u c k", "fuck*", "f u c k", "spaced"),
            ("f.u.c.k.", "fuck*", "f.u.c.k", "dotted"),
            ("f-u-c-k this", "fuck*", "f-u-c-k", "hyphens"),
            ("total s_h_i_t", "shit*", "s_h_i_t", "underscores"),
            (
                "you are a s.h.i.t!",
                "shit*",
                "s.h.i.t",
                "dots inside a sentence",
            ),
            ("fu.ck", "fuck*", "fu.ck", "a dot inside a word"),
            ("damn,hell", "hell", "hell", "no space after a comma"),
            ("이 시 발", "시발*", "시 발", "spaced syllables"),
            ("시.발 진짜", "시발*", "시.발", "dotted syllables"),
            ("씨~발", "씨발*", "씨~발", "tilde"),
            ("씨ㅡ발", "씨발*", "씨ㅡ발", "the vowel ㅡ as a dash"),
            (
                "씨\u{119E}발",
                "씨발*",
                "씨\u{119E}발",
                "the medial araea of ㆍ",
            ),
            ("씨~~발놈아", "씨발*", "씨~~발놈아", "tildes, then a suffix"),
            ("ㅅ.ㅂ", "ㅅㅂ", "ㅅ.ㅂ", "dotted consonants"),
            ("아 ㅅ ㅂ", "ㅅㅂ", "ㅅ ㅂ", "spaced consonants"),
            ("병*신", "병신*", "병*신", "a star inside"),
        ];
        for (text, term, covered, why) in cases {
            assert_finds(&terms, text, term, covered, why);
        }
    }

    #[test]
    fn sees_through_repeated_letters() {
        let terms = default_list();
        let cases = [
            ("fuuuuck", "fuck*", "fuuuuck", "English vowels"),
            ("shiiiiit", "shit*", "shiiiiit", "English vowels"),
            ("asssss", "ass", "asssss", "the doubled letter itself"),
            ("ㅅㅂㅂㅂ", "ㅅㅂ", "ㅅㅂㅂㅂ", "Korean consonants"),
            ("ㅗㅗㅗ", "ㅗ", "ㅗㅗㅗ", "the finger"),
        ];
        for (text, term, covered, why) in cases {
            assert_finds(&terms, text, term, covered, why);
        }
    }

    #[test]
    fn sees_through_digits_and_symbols_for_letters() {
        let terms = default_list();
        let cases = [
            ("sh1t", "shit*", "sh1t", "1 for i"),
            ("sh!t", "shit*", "sh!t", "! for i"),
            ("sh|t", "shit*", "sh|t", "| for i"),
            ("$hit", "shit*", "$hit", "$ for s"),
            ("5h1t", "shit*", "5h1t", "5 for s"),
            ("a$$", "ass", "a$$", "$$ for ss"),
            ("@ss", "ass", "@ss", "@ for a"),
            ("4ss", "ass", "4ss", "4 for a"),
            ("b1tch", "bitch*", "b1tch", "1 for i"),
            ("c0ck", "cock", "c0ck", "0 for o"),
            ("d1ck", "dick", "d1ck", "1 for i"),
            ("he11", "hell", "he11", "1 for l"),
            ("h3ll", "hell", "h3ll", "3 for e"),
            ("bi7ch", "bitch*", "bi7ch", "7 for t"),
            (
                "Ｓ.Ｈ.１.Ｔ",
                "shit*",
                "Ｓ.Ｈ.１.Ｔ",
                "full-width, dotted, digit",
            ),
        ];
        for (text, term, covered, why) in cases {
            assert_finds(&terms, text, term, covered, why);
        }
    }

    #[test]
    fn sees_through_split_and_abbreviated_jamo() {
        let terms = default_list();
        let cases = [
            ("ㅅㅣㅂㅏㄹ", "시발*", "ㅅㅣㅂㅏㄹ", "split jamo"),
            ("시ㅂㅏㄹ", "시발*", "시ㅂㅏㄹ", "mixed"),
            ("ㅅㅣ발놈", "시발*", "ㅅㅣ발놈", "mixed, then a suffix"),
            ("ㅆㅣㅂㅏㄹ", "씨발*", "ㅆㅣㅂㅏㄹ", "double consonant"),
            (
                "ㅂㅕㅇㅅㅣㄴ",
                "병신*",
                "ㅂㅕㅇㅅㅣㄴ",
                "split jamo with finals",
            ),
            ("ㅅㅂ", "ㅅㅂ", "ㅅㅂ", "consonants"),
            ("ㅄ", "ㅂㅅ", "ㅄ", "a compound consonant"),
            (
                "아 ㅈㄹ 하네",
                "ㅈㄹ",
                "ㅈㄹ",
                "consonants inside a sentence",
            ),
            ("씨발놈아", "씨발*", "씨발놈아", "a suffix"),
            ("개새끼들", "개새끼*", "개새끼들", "a plural"),
        ];
        for (text, term, covered, why) in cases {
            assert_finds(&terms, text, term, covered, why);
        }
    }

    #[test]
    fn sees_through_a_word_split_anywhere() {
        let terms = default_list();
        let cases = [
            ("fu ck", "fuck*", "fu ck", "two halves"),
            ("you fuc k", "fuck*", "fuc k", "a letter split off"),
            ("f uc k", "fuck*", "f uc k", "three pieces"),
            ("ass hole", "asshole*", "ass hole", "two words"),
            ("fu'ck", "fuck*", "fu'ck", "an apostrophe"),
            (
                "fu\u{2019}ck",
                "fuck*",
                "fu\u{2019}ck",
                "a typographic apostrophe",
            ),
            ("sh'it", "shit*", "sh'it", "an apostrophe"),
            (
                "개 새끼",
                "개새끼*",
                "개 새끼",
                "a syllable split off a longer word",
            ),
        ];
        for (text, term, covered, why) in cases {
            assert_finds(&terms, text, term, covered, why);
        }
    }

    #[test]
    fn sees_through_masked_letters() {
        let terms = default_list();
        let cases = [
            ("f*ck", "fuck*", "f*ck", "one star"),
            ("f**k off", "fuck*", "f**k", "two stars for two letters"),
            ("f***k", "fuck*", "f***k", "more stars"),
            ("f*cking", "fuck*", "f*cking", "a star, then a suffix"),
            ("sh*t", "shit*", "sh*t", "one star"),
            ("b*tch", "bitch*", "b*tch", "one star"),
            ("c*nt", "cunt*", "c*nt", "one star"),
        ];
        for (text, term, covered, why) in cases {
            assert_finds(&terms, text, term, covered, why);
        }
    }

    #[test]
    fn sees_through_look_alike_letters_of_other_scripts() {
        let terms = default_list();
        let cases = [
            ("fu\u{0441}k", "fuck*", "fu\u{0441}k", "Cyrillic es"),
            ("f\u{057D}ck", "fuck*", "f\u{057D}ck", "Armenian seh"),
            ("\u{0455}hit", "shit*", "\u{0455}hit", "Cyrillic dze"),
            ("sh\u{0456}t", "shit*", "sh\u{0456}t", "Ukrainian i"),
            ("\u{0430}ss", "ass", "\u{0430}ss", "Cyrillic a"),
            ("b\u{0131}tch", "bitch*", "b\u{0131}tch", "dotless i"),
            (
                "sh\u{0661}t",
                "shit*",
                "sh\u{0661}t",
                "an Arabic-Indic digit one",
            ),
        ];
        for (text, term, covered, why) in cases {
            assert_finds(&terms, text, term, covered, why);
        }
    }

    #[test]
    fn sees_through_digits_and_dots_inside_korean_words() {
        let terms = default_list();
        let cases = [
            ("시1발", "시발*", "시1발", "a digit between syllables"),
            ("병1신", "병신*", "병1신", "a digit between syllables"),
            ("ㅅ1ㅂ", "ㅅㅂ", "ㅅ1ㅂ", "a digit between consonants"),
            ("씨12발놈아", "씨발*", "씨12발놈아", "digits, then a suffix"),
            (
                "씨\u{318D}발",
                "씨발*",
                "씨\u{318D}발",
                "the araea as a dot",
            ),
            ("씨·발", "씨발*", "씨·발", "a middle dot"),
        ];
        for (text, term, covered, why) in cases {
            assert_finds(&terms, text, term, covered, why);
        }
    }

    #[test]
    fn sees_through_korean_typed_on_an_english_keyboard() {
        let terms = default_list();
        let cases = [
            // Case folding loses the shift key, so 씨 and 시 are typed alike
            // and the first of the two terms is reported.
            ("tlqkf", "씨발*", "tlqkf", "시발"),
            ("TLQKF", "씨발*", "TLQKF", "caps lock"),
            ("tlqkfshadk", "씨발*", "tlqkfshadk", "시발놈아, a suffix"),
            ("qudtls", "병신*", "qudtls", "병신"),
            ("t l q k f", "씨발*", "t l q k f", "spaced"),
            ("wlfkf", "지랄*", "wlfkf", "지랄"),
            ("rotoRl", "개새끼*", "rotoRl", "개새끼 with a shifted key"),
        ];
        for (text, term, covered, why) in cases {
            assert_finds(&terms, text, term, covered, why);
        }
        let keyboard = list(&["니미*", "개새끼*", "시발*", "ㅅㅂ", "ㅗ"]);
        for word in [
            "slalom",
            "rotor",
            "rotors",
            "rotorcraft",
            "tq",
            "h",
            "Hello h",
        ] {
            assert!(
                keyboard.find(word).is_empty(),
                "{word}: {:?}",
                keyboard.find(word)
            );
        }
    }

    #[test]
    fn lets_innocent_words_through() {
        let terms = default_list();
        let words = include_str!("../../tests/policy/innocent-words.txt");
        let mut flagged = Vec::new();
        for line in words.lines().map(str::trim) {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let found = terms.find(line);
            if !found.is_empty() {
                flagged.push(format!("{line:?}: {found:?}"));
            }
        }
        assert!(
            flagged.is_empty(),
            "innocent text flagged:\n{}",
            flagged.join("\n")
        );
    }

    #[test]
    fn the_allow_list_beats_a_term_inside_it() {
        let terms = default_list();
        assert!(terms.find("시발점").is_empty());
        assert!(terms.find("서울역이 시발역입니다").is_empty());
        assert_finds(
            &terms,
            "시발 시발점",
            "시발*",
            "시발",
            "outside the allowed word",
        );
        let wildcard = TermList::new(&strings(&["*cunt*"]), &[], &strings(&["scunthorpe"]));
        let wildcard = wildcard.unwrap();
        assert!(wildcard.find("Scunthorpe United").is_empty());
        assert_finds(
            &wildcard,
            "scunt",
            "*cunt*",
            "scunt",
            "no allowed word around it",
        );
    }

    #[test]
    fn matches_words_in_sequence() {
        let terms = default_list();
        assert_finds(
            &terms,
            "Go   to hell!",
            "go to hell",
            "Go   to hell",
            "spaces",
        );
        assert_finds(
            &terms,
            "go to h e l l",
            "go to hell",
            "go to h e l l",
            "spelt out",
        );
        assert!(
            terms
                .find("go to hello kitty")
                .iter()
                .all(|m| m.term != "go to hell")
        );
        assert!(
            terms
                .find("ago to hell")
                .iter()
                .all(|m| m.term != "go to hell")
        );
    }

    #[test]
    fn wildcards_choose_where_a_word_may_end() {
        let terms = list(&["hell", "shit*", "*hole", "*ucke*"]);
        assert!(terms.find("hello").is_empty(), "a whole word");
        assert_finds(
            &terms,
            "shitty",
            "shit*",
            "shitty",
            "a word starting with it",
        );
        assert!(terms.find("bullshit").iter().all(|m| m.term != "shit*"));
        assert_finds(
            &terms,
            "asshole",
            "*hole",
            "asshole",
            "a word ending with it",
        );
        assert!(terms.find("holes").is_empty());
        assert_finds(&terms, "motherfuckers", "*ucke*", "motherfuckers", "inside");
    }

    #[test]
    fn reports_kinds_in_order_without_duplicates() {
        let terms = TermList::new(
            &strings(&["fuck", "fuck*", "idiot"]),
            &strings(&["idiot", "fuck*"]),
            &[],
        )
        .unwrap();
        let found = terms.find("idiot, fuck");
        let seen: Vec<(TermKind, &str, usize)> = found
            .iter()
            .map(|m| (m.kind, m.term.as_str(), m.start))
            .collect();
        assert_eq!(
            seen,
            [
                (TermKind::Banned, "idiot", 0),
                (TermKind::Suspect, "idiot", 0),
                (TermKind::Banned, "fuck", 7),
                (TermKind::Suspect, "fuck*", 7),
            ]
        );
    }

    #[test]
    fn rejects_patterns_with_nothing_to_match() {
        let cases = [
            ("", "empty"),
            ("   ", "white space"),
            ("*", "a lone star"),
            ("**", "two stars"),
            ("...", "punctuation only"),
            ("f*ck", "a star inside"),
        ];
        for (pattern, why) in cases {
            let result = TermList::new(&strings(&["fine"]), &[], &strings(&[pattern]));
            let error = result
                .err()
                .unwrap_or_else(|| panic!("{why}: {pattern:?} accepted"));
            assert_eq!(error.pattern, pattern, "{why}");
        }
    }

    #[test]
    fn counts_banned_and_suspect_terms() {
        let terms = default_list();
        assert_eq!(terms.len(), BANNED.len() + SUSPECT.len());
        let allowed_only = TermList::new(&[], &[], &strings(&["scunthorpe"])).unwrap();
        assert!(allowed_only.is_empty());
        assert!(allowed_only.find("Scunthorpe at all").is_empty());
        let nothing = TermList::new(&[], &[], &[]).unwrap();
        assert!(nothing.is_empty());
        assert!(nothing.find("anything at all").is_empty());
    }

    #[test]
    fn can_be_shared_between_threads() {
        fn shared<T: Send + Sync>() {}
        shared::<TermList>();
    }

    fn disguise_prone() -> impl Strategy<Value = String> {
        prop_oneof![
            "\\PC{0,80}",
            "[a-zA-Z0-9!|@$.~_' -]{0,40}",
            "[시발씨병신ㅅㅂㅣㅏㄹ습니다 .~ㅗ]{0,30}",
        ]
    }

    proptest! {
        #[test]
        fn white_space_at_the_ends_changes_only_offsets(
            text in disguise_prone(),
            pad in "[ \\n\\t\u{3000}\u{a0}]{0,4}",
        ) {
            let terms = default_list();
            let padded = format!("{pad}{text}{pad}");
            let plain: Vec<_> = terms.find(&text).into_iter()
                .map(|m| (m.kind, m.term, m.start + pad.len(), m.end + pad.len()))
                .collect();
            let shifted: Vec<_> = terms.find(&padded).into_iter()
                .map(|m| (m.kind, m.term, m.start, m.end))
                .collect();
            prop_assert_eq!(plain, shifted);
        }

        #[test]
        fn spans_lie_on_char_boundaries(text in disguise_prone()) {
            let terms = default_list();
            for found in terms.find(&text) {
                prop_assert!(found.start < found.end && found.end <= text.len());
                prop_assert!(text.is_char_boundary(found.start));
                prop_assert!(text.is_char_boundary(found.end));
            }
        }
    }
}
