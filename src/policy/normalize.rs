//! The folded form of a text: what the term matcher and the repeated-comment
//! check compare, so that disguises such as `ＦＵＣＫ`, `f.u.c.k`, `fuuuck`,
//! `sh1t`, `씨~발` or `ㅅㅣㅂㅏㄹ` look like the word they hide.
//!
//! Folding, in order:
//! 1. The text is split into chunks on white space, and before the apostrophe
//!    of a contraction (`'s`, `'t`, `'d`, `'m`, `'ll`, `'re`, `'ve`), so that
//!    "he'll" stays two words and never reads as "hell". A contraction is
//!    sealed: the term matcher never reads it as one word with the words
//!    around it ([`Folded::glued`]), so "let's hit" is not "s hit".
//!    Any other apostrophe is a symbol inside a word (`fu'ck`).
//! 2. Each character is decomposed (NFKD: full-width and compatibility forms,
//!    accents dropped), lowercased, and Hangul is spelt out as jamo: syllables
//!    are decomposed, and final consonants become the matching initial ones,
//!    compound finals split (ㄺ → ㄹㄱ), so `시발` and `ㅅㅣㅂㅏㄹ` agree.
//!    Decimal digits of any script become ASCII digits; a letter of another
//!    script that looks like a Latin letter or digit (Cyrillic `с`, Armenian
//!    `ս`; the confusables of UTS #39) becomes that letter. Middle dots,
//!    the araea `ㆍ` among them, are symbols.
//! 3. Inside a chunk, symbols are dropped: `f.u.c.k` and `씨~발` are one word.
//!    In a Korean word, digits between letters are dropped too (`시1발`); in
//!    a Latin word, a `*` between letters is kept as a masked letter (`f*ck`).
//! 4. A run of chunks that are each one letter or one syllable is glued into
//!    one word (`f u c k`, `시 발`); a longer chunk is never glued to a
//!    neighbour, so `시 발표` stays two words.
//! 5. In a word that holds a Latin letter, digits and symbols that stand for
//!    letters are read as those letters (`sh1t`, `a$$`); `l` is always read as
//!    `i`, so that 1, l and i agree. Plain numbers such as `2024` are kept.
//! 6. A run of the same character is collapsed to one (`fuuuck` → `fuck`).
//!
//! Words are joined by one space. Every step leaves a folded text unchanged,
//! so folding is idempotent.
//!
//! Matching needs more than the folded string: where each folded character came
//! from, where soft word boundaries (dropped symbols, glued chunks) were, and how
//! long each collapsed run was, so that `as` does not match `ass`. [`Folded`]
//! keeps that for each folded character.

use unicode_normalization::char::{decompose_compatible, is_combining_mark};

use super::disguise;

/// The folded form used for matching terms and for detecting repeated comments.
/// Idempotent: `fold(&fold(x)) == fold(x)`.
pub fn fold(text: &str) -> String {
    Folded::new(text).slots.iter().map(|slot| slot.ch).collect()
}

/// A folded text, one [`Slot`] per character saying where in the original
/// text it came from.
#[derive(Debug, Clone)]
pub(crate) struct Folded {
    /// The folded text as the term automaton reads it: UTF-8, except that the
    /// modern jamo take one byte (0x80–0xB4) instead of three, so Korean text
    /// is a third as long to scan. Decoding from any character start is still
    /// unambiguous: below 0x80 ASCII, up to 0xBF a jamo, above a UTF-8 lead byte.
    pub key: Vec<u8>,
    pub slots: Vec<Slot>,
}

/// The folded text with the words glued where the text allows it (see
/// [`Folded::glued`]), for finding a term split anywhere (`fu ck`).
#[derive(Debug, Clone)]
pub(crate) struct Glued {
    /// The key without the spaces between words that may be glued.
    pub key: Vec<u8>,
    /// For each character of `key`: its byte offset there, its slot, and the
    /// number of the folded word it belongs to.
    pub chars: Vec<(usize, usize, usize)>,
}

/// One character of the folded text. The space between words has a slot too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Slot {
    /// Byte offset in the key.
    pub byte: usize,
    pub ch: char,
    /// Byte offset in the original text where a match may start at this slot:
    /// the start of the first original character that begins here. `None`
    /// when the slot only continues a character (the ㅂ of 습), since a
    /// match must cover whole characters.
    pub start: Option<usize>,
    /// Byte offset in the original text where a match may end after this slot.
    pub end: Option<usize>,
    /// How many folded characters were collapsed into this one.
    pub run: u16,
    /// The run repeats a character as typed (`uuu`), rather than joining
    /// different characters that fold alike (`il` in "tilt").
    pub stretched: bool,
    /// A word, or a part of a word set off by symbols or spaces, starts here.
    pub word_start: bool,
    /// A word, or a part of a word set off by symbols or spaces, ends here.
    pub word_end: bool,
    /// For the space between words: the words on either side may be read as
    /// one (not around a contraction such as `'s`).
    pub gluable: bool,
}

impl Folded {
    pub fn new(text: &str) -> Folded {
        // Sized once up front: a byte of text folds to at most about one slot,
        // so the buffers are never copied while they grow.
        let mut folder = Folder {
            items: Vec::with_capacity(text.len()),
            out: Folded {
                key: Vec::with_capacity(text.len()),
                slots: Vec::with_capacity(text.len()),
            },
            sealed: false,
        };
        folder.fold(text);
        folder.out
    }

    /// The folded text with every gluable space left out: "fu ck" reads as
    /// "fuck". A match there that crosses a space must cover whole words,
    /// so "시 발표" is not "시발"; the term matcher checks that.
    pub fn glued(&self) -> Glued {
        let mut glued = Glued {
            key: Vec::with_capacity(self.key.len()),
            chars: Vec::with_capacity(self.slots.len()),
        };
        let mut word = 0;
        for (index, slot) in self.slots.iter().enumerate() {
            let is_space = slot.start.is_none() && slot.end.is_none() && slot.ch == ' ';
            if is_space {
                word += 1;
                if slot.gluable {
                    continue;
                }
            }
            let end = self
                .slots
                .get(index + 1)
                .map_or(self.key.len(), |next| next.byte);
            glued.chars.push((glued.key.len(), index, word));
            glued.key.extend_from_slice(&self.key[slot.byte..end]);
        }
        glued
    }

    /// The index of the slot that starts at `byte` of the key.
    pub fn slot_at(&self, byte: usize) -> Option<usize> {
        self.slots
            .binary_search_by_key(&byte, |slot| slot.byte)
            .ok()
    }

    fn push(&mut self, mut slot: Slot) {
        slot.byte = self.key.len();
        self.slots.push(slot);
        let (ch, code) = (slot.ch, slot.ch as u32);
        match ch {
            '\u{1100}'..='\u{1112}' => self.key.push((0x80 + code - 0x1100) as u8),
            '\u{1161}'..='\u{1175}' => self.key.push((0xA0 + code - 0x1161) as u8),
            _ => self
                .key
                .extend_from_slice(ch.encode_utf8(&mut [0; 4]).as_bytes()),
        }
    }
}

/// What a character of a chunk is, once decomposed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    /// A letter or digit.
    Alnum,
    /// `!`, `|`, `@` or `$`: a letter in disguise, or punctuation.
    Leet,
    /// `*`: a masked letter between letters of a Latin word, or punctuation.
    Mask,
}

/// A decomposed character of a chunk, before the word it belongs to is known.
#[derive(Debug, Clone, Copy)]
struct Item {
    ch: char,
    class: Class,
    /// Byte range of the original character it came from.
    from: usize,
    to: usize,
    /// First and last item of that original character.
    opens: bool,
    closes: bool,
    /// Starts a chunk, or follows a dropped symbol.
    breaks: bool,
}

/// How a chunk takes part in gluing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Size {
    /// Nothing left once symbols are dropped.
    Empty,
    /// One letter, digit or syllable: glued to a neighbour of the same size.
    Short,
    Long,
}

struct Folder {
    items: Vec<Item>,
    out: Folded,
    /// The last word emitted was a contraction, not to be glued to the next.
    sealed: bool,
}

impl Folder {
    fn fold(&mut self, text: &str) {
        // Items of a run of short chunks wait here until the run ends.
        let mut run_start: Option<usize> = None;
        // Whether a chunk of the run is a contraction.
        let mut run_sealed = false;
        for (offset, chunk, contraction) in chunks(text) {
            let begin = self.items.len();
            push_items(chunk, offset, &mut self.items);
            match size(&self.items[begin..]) {
                Size::Empty => self.items.truncate(begin),
                Size::Short => {
                    run_start.get_or_insert(begin);
                    run_sealed |= contraction;
                }
                Size::Long => {
                    if let Some(start) = run_start.take() {
                        self.emit_word(start, begin, std::mem::take(&mut run_sealed));
                    }
                    self.emit_word(begin, self.items.len(), contraction);
                    self.items.clear();
                }
            }
        }
        if let Some(start) = run_start {
            self.emit_word(start, self.items.len(), run_sealed);
        }
    }

    /// Appends the items `start..end` as one word, collapsing repeated characters;
    /// a word that holds a contraction is not glued to its neighbours.
    fn emit_word(&mut self, start: usize, end: usize, contraction: bool) {
        let items = &self.items[start..end];
        let latin = is_latin(items);
        let out = &mut self.out;
        if !out.slots.is_empty() {
            out.push(separator(!self.sealed && !contraction));
        }
        self.sealed = contraction;
        let first_slot = out.slots.len();
        let mut pending_break = false;
        let mut previous_source: Option<char> = None;
        for (index, item) in items.iter().enumerate() {
            let Some(ch) = resolve(items, index, latin) else {
                pending_break = true;
                continue;
            };
            let breaks = item.breaks || pending_break;
            pending_break = false;
            let last = out.slots.len().checked_sub(1).filter(|i| *i >= first_slot);
            match last.map(|i| &mut out.slots[i]) {
                Some(slot) if slot.ch == ch => {
                    extend(slot, item, previous_source == Some(item.ch));
                }
                previous => {
                    if breaks && let Some(slot) = previous {
                        slot.word_end = true;
                    }
                    out.push(open(ch, item, breaks));
                }
            }
            previous_source = Some(item.ch);
        }
        if let Some(slot) = out.slots.last_mut() {
            slot.word_end = true;
        }
    }
}

fn separator(gluable: bool) -> Slot {
    Slot {
        byte: 0,
        ch: ' ',
        start: None,
        end: None,
        run: 1,
        stretched: false,
        word_start: false,
        word_end: false,
        gluable,
    }
}

fn open(ch: char, item: &Item, breaks: bool) -> Slot {
    Slot {
        byte: 0,
        ch,
        start: item.opens.then_some(item.from),
        end: item.closes.then_some(item.to),
        run: 1,
        stretched: false,
        word_start: breaks,
        word_end: false,
        gluable: false,
    }
}

/// Adds an item to the run of the same character that `slot` holds.
fn extend(slot: &mut Slot, item: &Item, repeats_source: bool) {
    slot.run = slot.run.saturating_add(1);
    slot.stretched |= repeats_source;
    // A boundary inside a run is lost; the run ends wherever its last item ends.
    slot.word_end = false;
    if slot.start.is_none() && item.opens {
        slot.start = Some(item.from);
    }
    if item.closes {
        slot.end = Some(item.to);
    }
}

/// Splits on white space and before contractions, with the byte offset of
/// each chunk and whether it is a contraction (`'ll` of "he'll").
fn chunks(text: &str) -> impl Iterator<Item = (usize, &str, bool)> {
    text.split(char::is_whitespace)
        .filter(|chunk| !chunk.is_empty())
        .flat_map(split_contractions)
        .map(move |(chunk, contraction)| {
            let offset = chunk.as_ptr() as usize - text.as_ptr() as usize;
            (offset, chunk, contraction)
        })
}

/// "he'll" → "he", "'ll"; "fu'ck" stays whole.
fn split_contractions(chunk: &str) -> Vec<(&str, bool)> {
    let mut parts = Vec::new();
    let mut start = 0;
    for (at, c) in chunk.char_indices() {
        if at > start && is_apostrophe(c) && is_contraction(&chunk[at + c.len_utf8()..]) {
            parts.push((&chunk[start..at], start > 0));
            start = at;
        }
    }
    parts.push((&chunk[start..], start > 0));
    parts
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '`' | '\u{2018}' | '\u{2019}' | '\u{FF07}')
}

/// What follows an apostrophe is an English contraction, up to the end of the
/// chunk or a character that is not a letter ("it's", "we'll.", "can't!").
fn is_contraction(rest: &str) -> bool {
    let letters = rest
        .find(|c: char| !c.is_alphabetic())
        .map_or(rest, |end| &rest[..end]);
    ["s", "t", "d", "m", "ll", "re", "ve"]
        .iter()
        .any(|suffix| letters.eq_ignore_ascii_case(suffix))
}

/// Decomposes the characters of one chunk into items, dropping symbols.
fn push_items(chunk: &str, offset: usize, items: &mut Vec<Item>) {
    let mut breaks = true;
    let mut before = None;
    for (at, c) in chunk.char_indices() {
        let after = chunk[at + c.len_utf8()..].chars().next();
        if is_dash_between_syllables(before, c, after) {
            breaks = true;
            before = Some(c);
            continue;
        }
        before = Some(c);
        let first = items.len();
        let from = offset + at;
        let to = from + c.len_utf8();
        fold_char(c, &mut |ch| match classify(ch) {
            Some(class) => {
                items.push(Item {
                    ch,
                    class,
                    from,
                    to,
                    opens: false,
                    closes: false,
                    breaks,
                });
                breaks = false;
            }
            None => breaks = true,
        });
        if let Some(item) = items.get_mut(first) {
            item.opens = true;
        }
        if items.len() > first
            && let Some(item) = items.last_mut()
        {
            item.closes = true;
        }
    }
}

/// `None` for a symbol, which only separates.
fn classify(ch: char) -> Option<Class> {
    // ASCII and jamo first: the general Unicode lookup is slow for jamo, and
    // Korean text is nearly all jamo once folded.
    if ch.is_ascii_alphanumeric() || is_jamo(ch) {
        Some(Class::Alnum)
    } else if matches!(ch, '!' | '|' | '@' | '$') {
        Some(Class::Leet)
    } else if ch == '*' {
        Some(Class::Mask)
    } else if !ch.is_ascii() && ch.is_alphanumeric() {
        Some(Class::Alnum)
    } else {
        None
    }
}

/// The vowel ㅡ typed between two whole syllables (`씨ㅡ발`) is a dash: it
/// cannot join either of them.
fn is_dash_between_syllables(before: Option<char>, c: char, after: Option<char>) -> bool {
    let syllable = |c: Option<char>| c.is_some_and(|c| ('\u{AC00}'..='\u{D7A3}').contains(&c));
    matches!(c, '\u{3161}' | '\u{1173}' | '\u{FFDA}') && syllable(before) && syllable(after)
}

/// The Hangul Jamo block, all letters.
fn is_jamo(c: char) -> bool {
    ('\u{1100}'..='\u{11FF}').contains(&c)
}

/// Gives the folded characters of one original character, before letter swaps.
/// Combining marks are left out; they never separate.
fn fold_char(c: char, emit: &mut impl FnMut(char)) {
    if c.is_ascii() {
        return emit(c.to_ascii_lowercase());
    }
    if let Some(digit) = disguise::ascii_digit(c) {
        return emit(digit);
    }
    if disguise::is_middle_dot(c) {
        // A symbol: `씨ㆍ발` is `씨.발`, not a syllable with an old vowel.
        return emit('.');
    }
    if let Some((lead, vowel, tail)) = hangul_syllable(c) {
        emit(lead);
        emit(vowel);
        if let Some(tail) = tail {
            final_as_initials(tail, emit);
        }
        return;
    }
    decompose_compatible(c, |d| {
        for lower in d.to_lowercase() {
            // Lowercasing can give back a composed letter (İ → i̇): decompose again.
            decompose_compatible(lower, |e| {
                if !is_combining_mark(e) {
                    match latin_look_alike(e) {
                        Some(latin) => emit(latin),
                        None => final_as_initials(e, emit),
                    }
                }
            });
        }
    });
}

/// The Latin letter or digit a letter of another script imitates (UTS #39
/// skeleton), for scripts that have such look-alikes. ASCII, jamo and CJK
/// pass: the skeleton also maps characters to others that are no letters.
fn latin_look_alike(c: char) -> Option<char> {
    if c.is_ascii() || c >= '\u{3000}' || is_jamo(c) || !c.is_alphanumeric() {
        return None;
    }
    let mut buffer = [0; 4];
    let mut skeleton = unicode_security::skeleton(c.encode_utf8(&mut buffer));
    let first = skeleton.next()?;
    (skeleton.next().is_none() && first.is_ascii_alphanumeric()).then(|| first.to_ascii_lowercase())
}

const SYLLABLE_FIRST: u32 = 0xAC00;
const SYLLABLE_COUNT: u32 = 11172;
const LEAD_FIRST: u32 = 0x1100;
const VOWEL_FIRST: u32 = 0x1161;
const TAIL_BEFORE_FIRST: u32 = 0x11A7;

/// The jamo of a precomposed Hangul syllable (Unicode 3.12, Hangul decomposition).
fn hangul_syllable(c: char) -> Option<(char, char, Option<char>)> {
    let index = (c as u32).checked_sub(SYLLABLE_FIRST)?;
    if index >= SYLLABLE_COUNT {
        return None;
    }
    let lead = char::from_u32(LEAD_FIRST + index / 588)?;
    let vowel = char::from_u32(VOWEL_FIRST + (index % 588) / 28)?;
    let tail = match index % 28 {
        0 => None,
        t => char::from_u32(TAIL_BEFORE_FIRST + t),
    };
    Some((lead, vowel, tail))
}

/// Writes a final consonant as initial consonants, so a consonant reads the same
/// wherever it stands in a syllable; other characters pass through.
fn final_as_initials(c: char, emit: &mut impl FnMut(char)) {
    match initials_of(c) {
        Some((first, second)) => {
            emit(first);
            if let Some(second) = second {
                emit(second);
            }
        }
        None => emit(c),
    }
}

/// The initial consonants for a modern final (U+11A8–U+11C2), and for the two
/// compound initials that compatibility jamo ㅀ and ㅄ decompose to.
fn initials_of(c: char) -> Option<(char, Option<char>)> {
    const G: char = '\u{1100}';
    const N: char = '\u{1102}';
    const R: char = '\u{1105}';
    const B: char = '\u{1107}';
    const S: char = '\u{1109}';
    const H: char = '\u{1112}';
    let pair = match c {
        '\u{11A8}' => (G, None),
        '\u{11A9}' => ('\u{1101}', None),
        '\u{11AA}' => (G, Some(S)),
        '\u{11AB}' => (N, None),
        '\u{11AC}' => (N, Some('\u{110C}')),
        '\u{11AD}' => (N, Some(H)),
        '\u{11AE}' => ('\u{1103}', None),
        '\u{11AF}' => (R, None),
        '\u{11B0}' => (R, Some(G)),
        '\u{11B1}' => (R, Some('\u{1106}')),
        '\u{11B2}' => (R, Some(B)),
        '\u{11B3}' => (R, Some(S)),
        '\u{11B4}' => (R, Some('\u{1110}')),
        '\u{11B5}' => (R, Some('\u{1111}')),
        '\u{11B6}' | '\u{111A}' => (R, Some(H)),
        '\u{11B7}' => ('\u{1106}', None),
        '\u{11B8}' => (B, None),
        '\u{11B9}' | '\u{1121}' => (B, Some(S)),
        '\u{11BA}' => (S, None),
        '\u{11BB}' => ('\u{110A}', None),
        '\u{11BC}' => ('\u{110B}', None),
        '\u{11BD}' => ('\u{110C}', None),
        '\u{11BE}' => ('\u{110E}', None),
        '\u{11BF}' => ('\u{110F}', None),
        '\u{11C0}' => ('\u{1110}', None),
        '\u{11C1}' => ('\u{1111}', None),
        '\u{11C2}' => (H, None),
        _ => return None,
    };
    Some(pair)
}

fn is_initial(c: char) -> bool {
    ('\u{1100}'..='\u{115F}').contains(&c)
}

fn is_vowel(c: char) -> bool {
    ('\u{1160}'..='\u{11A7}').contains(&c)
}

/// Swaps apply only in words written in Latin letters, so `2024년` keeps its digits.
fn is_latin(items: &[Item]) -> bool {
    items
        .iter()
        .any(|item| item.class == Class::Alnum && item.ch.is_ascii_lowercase())
}

/// The character an item stands for in its word, or `None` if it is dropped.
fn resolve(items: &[Item], index: usize, latin: bool) -> Option<char> {
    let item = items.get(index)?;
    match (item.class, item.ch) {
        (Class::Alnum, 'l') => Some('i'),
        (Class::Alnum, digit) if latin && digit.is_ascii_digit() => Some(digit_as_letter(digit)),
        (Class::Alnum, digit) if digit.is_ascii_digit() && between_jamo(items, index) => None,
        (Class::Alnum, ch) => Some(ch),
        (Class::Mask, _) if latin && between_letters(items, index) => Some('*'),
        (Class::Mask, _) => None,
        (Class::Leet, _) if !latin => None,
        (Class::Leet, '@') => Some('a'),
        (Class::Leet, '$') => Some('s'),
        // `!` and `|` are letters only before a letter: "sh!t", but "hell!".
        (Class::Leet, _) => items
            .get(index + 1)
            .filter(|next| !next.breaks && next.class == Class::Alnum)
            .map(|_| 'i'),
    }
}

/// Digits inside a Korean word are noise (`시1발`), not a number (`2024년`).
fn between_jamo(items: &[Item], index: usize) -> bool {
    // Symbols are dropped from a Korean word, so they do not count as neighbours.
    let is_letter = |item: &&Item| item.class == Class::Alnum && !item.ch.is_ascii_digit();
    let before = items[..index].iter().rev().find(is_letter);
    let after = items[index + 1..].iter().find(is_letter);
    before.is_some_and(|item| is_jamo(item.ch)) && after.is_some_and(|item| is_jamo(item.ch))
}

/// A `*` masks letters only between letters (`f*ck`, `f**k`), not around a word.
fn between_letters(items: &[Item], index: usize) -> bool {
    let is_mask = |item: &&Item| item.class == Class::Mask;
    let before = items[..index].iter().rev().find(|item| !is_mask(item));
    let after = items[index + 1..].iter().find(|item| !is_mask(item));
    let letter = |item: &Item| item.class == Class::Alnum && item.ch.is_ascii_alphanumeric();
    before.is_some_and(letter) && after.is_some_and(letter)
}

fn digit_as_letter(digit: char) -> char {
    match digit {
        '0' => 'o',
        '1' => 'i',
        '3' => 'e',
        '4' => 'a',
        '5' => 's',
        '7' => 't',
        other => other,
    }
}

/// Measures a chunk as it folds on its own: empty, one letter or syllable, or longer.
fn size(items: &[Item]) -> Size {
    let latin = is_latin(items);
    // A syllable folds to at most an initial, a vowel and two final consonants.
    let mut folded = ['\0'; 4];
    let mut count = 0;
    for index in 0..items.len() {
        let Some(ch) = resolve(items, index, latin) else {
            continue;
        };
        if count > 0 && folded[count - 1] == ch {
            continue;
        }
        if count == folded.len() {
            return Size::Long;
        }
        folded[count] = ch;
        count += 1;
    }
    match &folded[..count] {
        [] => Size::Empty,
        [_] => Size::Short,
        [lead, vowel, tail @ ..]
            if is_initial(*lead) && is_vowel(*vowel) && tail.iter().all(|c| is_initial(*c)) =>
        {
            Size::Short
        }
        _ => Size::Long,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn disguises_fold_to_the_same_word() {
        let cases = [
            ("FUCK", "fuck", "case"),
            ("ＦＵＣＫ", "fuck", "full-width capitals"),
            ("ｆｕｃｋ", "fuck", "full-width"),
            ("f u c k", "fuck", "spaced letters"),
            ("f.u.c.k", "fuck", "dotted letters"),
            ("f-u-c-k", "fuck", "hyphens"),
            ("fuuuuck", "fuck", "stretched"),
            ("s_h_i_t", "shit", "underscores"),
            ("sh1t", "shit", "digit for letter"),
            ("$h!t", "shit", "symbols for letters"),
            ("시 발", "시발", "spaced syllables"),
            ("시.발", "시발", "dotted syllables"),
            ("씨~발", "씨발", "tilde"),
            ("ㅅㅣㅂㅏㄹ", "시발", "split jamo"),
            ("시ㅂㅏㄹ", "시발", "mixed jamo"),
            ("ㅅ.ㅂ", "ㅅㅂ", "dotted consonants"),
            ("ㅄ", "ㅂㅅ", "compound consonant"),
            ("닭", "ㄷㅏㄹㄱ", "compound final"),
            ("ﾲ", "ㅂ", "half-width jamo"),
            ("fu'ck", "fuck", "an apostrophe inside a word"),
            ("fu\u{0441}k", "fuck", "a Cyrillic look-alike"),
            ("\u{0455}h\u{0456}t", "shit", "Cyrillic look-alikes"),
            ("sh\u{0661}t", "shit", "an Arabic-Indic digit for a letter"),
            ("시1발", "시발", "a digit inside a Korean word"),
            ("ㅅ12ㅂ", "ㅅㅂ", "digits between consonants"),
            ("씨\u{318D}발", "씨발", "the araea as a middle dot"),
            ("씨·발", "씨발", "a middle dot"),
            ("f**k", "f*k", "masked letters stay masked"),
        ];
        for (text, word, why) in cases {
            assert_eq!(fold(text), fold(word), "{why}: {text}");
        }
    }

    #[test]
    fn plain_words_keep_their_shape() {
        let cases = [
            ("2024년 6월", "2024년 6월", "numbers in Korean words"),
            ("010은", "010은", "a phone prefix"),
            (
                "Hello, World!",
                "heio worid",
                "l reads as i; punctuation dropped",
            ),
            (
                "시 발표",
                "시 발표",
                "a syllable is not glued to a longer word",
            ),
            ("he'll", "he i", "an apostrophe separates"),
            ("it's", "it s", "a contraction"),
            ("2024년 ٦월", "2024년 6월", "digits of another script"),
            ("제1회", "제회", "a digit inside a Korean word"),
            ("*really*", "really", "stars around a word"),
            ("日本語", "日本語", "ideographs are kept"),
        ];
        for (text, expected, why) in cases {
            assert_eq!(fold(text), fold(expected), "{why}: {text}");
        }
        assert_eq!(fold("2024"), "2024");
        assert_eq!(fold("a  b   cd"), "ab cd");
        assert_eq!(fold(" ...  "), "");
    }

    #[test]
    fn the_glued_text_leaves_out_spaces_except_around_contractions() {
        let glued = |text: &str| String::from_utf8(Folded::new(text).glued().key).unwrap();
        assert_eq!(glued("fu ck"), "fuck");
        assert_eq!(glued("f uc k off"), "fuckof");
        assert_eq!(glued("let's hit it"), "iet s hitit");
        assert_eq!(glued("he'll be"), "he i be");
        let folded = Folded::new("a bc");
        let words: Vec<usize> = folded.glued().chars.iter().map(|c| c.2).collect();
        assert_eq!(words, [0, 1, 1]);
    }

    #[test]
    fn runs_remember_their_length() {
        let folded = Folded::new("ass as");
        assert_eq!(fold("ass as"), "as as");
        let runs: Vec<u16> = folded.slots.iter().map(|slot| slot.run).collect();
        assert_eq!(runs, [1, 2, 1, 1, 1]);
    }

    #[test]
    fn slots_map_back_to_whole_characters() {
        let text = "씨~발놈";
        let folded = Folded::new(text);
        let first = folded.slots[0];
        let last = folded.slots[folded.slots.len() - 1];
        assert_eq!(first.start, Some(0));
        assert_eq!(last.end, Some(text.len()));
        // The ㅂ of 발 may start a match, its final ㄹ may not.
        let rieul = folded
            .slots
            .iter()
            .find(|slot| slot.ch == '\u{1105}')
            .unwrap();
        assert_eq!(rieul.start, None);
        assert_eq!(rieul.end, Some("씨~발".len()));
    }

    #[test]
    fn letters_parted_by_stars_fold_once_for_all() {
        // Found by the fuzzer when stars between single letters were separators.
        for text in [
            "a*[y***a\0",
            "b*b*i\u{1}\u{7f}\u{1}i",
            "f*u*c*k",
            "씨ㅡ발 ㅡ",
        ] {
            let once = fold(text);
            assert_eq!(fold(&once), once, "{text:?}");
        }
    }

    proptest! {
        #[test]
        fn folding_is_idempotent(text in "\\PC{0,60}") {
            let once = fold(&text);
            prop_assert_eq!(fold(&once), once);
        }

        #[test]
        fn folding_disguise_prone_text_is_idempotent(
            text in "[a-zA-Z0-9!|@$*.~_'’\\[ lI1시발씨ㅅㅂㅣㅏㄹㅡ습닭ㄺㅄㆍ·с١ ]{0,40}"
        ) {
            let once = fold(&text);
            prop_assert_eq!(fold(&once), once);
        }

        #[test]
        fn slots_point_at_char_boundaries(text in "\\PC{0,60}") {
            let folded = Folded::new(&text);
            for slot in &folded.slots {
                for at in [slot.start, slot.end].into_iter().flatten() {
                    prop_assert!(text.is_char_boundary(at) && at <= text.len());
                }
            }
        }
    }
}
