//! The folded form of a text: what the term matcher and the repeated-comment
//! check compare, so that disguises such as `ＦＵＣＫ`, `f.u.c.k`, `fuuuck`,
//! `sh1t`, `씨~발` or `ㅅㅣㅂㅏㄹ` look like the word they hide.
//!
//! Folding, in order:
//! 1. The text is split into chunks on white space and apostrophes (so that
//!    "he'll" stays two words and never reads as "hell").
//! 2. Each character is decomposed (NFKD: full-width and compatibility forms,
//!    accents dropped), lowercased, and Hangul is spelt out as jamo: syllables
//!    are decomposed, and final consonants become the matching initial ones,
//!    compound finals split (ㄺ → ㄹㄱ), so `시발` and `ㅅㅣㅂㅏㄹ` agree.
//! 3. Inside a chunk, symbols are dropped: `f.u.c.k` and `씨~발` are one word.
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
        };
        folder.fold(text);
        folder.out
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
}

impl Folder {
    fn fold(&mut self, text: &str) {
        // Items of a run of short chunks wait here until the run ends.
        let mut run_start: Option<usize> = None;
        for (offset, chunk) in chunks(text) {
            let begin = self.items.len();
            push_items(chunk, offset, &mut self.items);
            match size(&self.items[begin..]) {
                Size::Empty => self.items.truncate(begin),
                Size::Short => {
                    run_start.get_or_insert(begin);
                }
                Size::Long => {
                    if let Some(start) = run_start.take() {
                        self.emit_word(start, begin);
                    }
                    self.emit_word(begin, self.items.len());
                    self.items.clear();
                }
            }
        }
        if let Some(start) = run_start {
            self.emit_word(start, self.items.len());
        }
    }

    /// Appends the items `start..end` as one word, collapsing repeated characters.
    fn emit_word(&mut self, start: usize, end: usize) {
        let items = &self.items[start..end];
        let latin = is_latin(items);
        let out = &mut self.out;
        if !out.slots.is_empty() {
            out.push(separator());
        }
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

fn separator() -> Slot {
    Slot {
        byte: 0,
        ch: ' ',
        start: None,
        end: None,
        run: 1,
        stretched: false,
        word_start: false,
        word_end: false,
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

/// Splits on white space and apostrophes, with the byte offset of each chunk.
fn chunks(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split(is_chunk_break)
        .filter(|chunk| !chunk.is_empty())
        .map(move |chunk| (chunk.as_ptr() as usize - text.as_ptr() as usize, chunk))
}

fn is_chunk_break(c: char) -> bool {
    c.is_whitespace() || matches!(c, '\'' | '`' | '\u{2018}' | '\u{2019}' | '\u{FF07}')
}

/// Decomposes the characters of one chunk into items, dropping symbols.
fn push_items(chunk: &str, offset: usize, items: &mut Vec<Item>) {
    let mut breaks = true;
    for (at, c) in chunk.char_indices() {
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
    } else if !ch.is_ascii() && ch.is_alphanumeric() {
        Some(Class::Alnum)
    } else {
        None
    }
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
                    final_as_initials(e, emit);
                }
            });
        }
    });
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
        (Class::Alnum, ch) => Some(ch),
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
        ];
        for (text, expected, why) in cases {
            assert_eq!(fold(text), fold(expected), "{why}: {text}");
        }
        assert_eq!(fold("2024"), "2024");
        assert_eq!(fold("a  b   cd"), "ab cd");
        assert_eq!(fold(" ...  "), "");
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

    proptest! {
        #[test]
        fn folding_is_idempotent(text in "\\PC{0,60}") {
            let once = fold(&text);
            prop_assert_eq!(fold(&once), once);
        }

        #[test]
        fn folding_disguise_prone_text_is_idempotent(
            text in "[a-zA-Z0-9!|@$.~_' lI1시발씨ㅅㅂㅣㅏㄹ습닭ㄺㅄ ]{0,40}"
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
