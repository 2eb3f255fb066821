//! A streaming walk over an XML export: one element or text at a time, never
//! the whole tree. Entities other than XML's five are never expanded (a
//! document type that declares any is refused), and nesting is bounded.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::importer::BadFile;

/// Deeper than any real export: deeper nesting is refused, not followed.
const MAX_DEPTH: usize = 32;

pub enum Node {
    Start {
        name: String,
        attributes: Vec<(String, String)>,
    },
    Text(String),
    End,
}

pub struct Walker {
    reader: Reader<BufReader<File>>,
    file: PathBuf,
    buf: Vec<u8>,
    depth: usize,
    /// The end of an empty element (`<parent dsq:id="1"/>`), given next.
    pending_end: bool,
}

impl Walker {
    pub fn open(file: &Path) -> Result<Walker, BadFile> {
        let opened = File::open(file).map_err(|e| BadFile::new(file, "open", e.to_string()))?;
        let reader = Reader::from_reader(BufReader::new(opened));
        Ok(Walker {
            reader,
            file: file.to_owned(),
            buf: Vec::new(),
            depth: 0,
            pending_end: false,
        })
    }

    /// Elements open around the node last given (0: at the root's level).
    pub fn depth(&self) -> usize {
        self.depth
    }

    pub fn next(&mut self) -> Result<Option<Node>, BadFile> {
        if self.pending_end {
            self.pending_end = false;
            self.depth -= 1;
            return Ok(Some(Node::End));
        }
        loop {
            self.buf.clear();
            let read = self.reader.read_event_into(&mut self.buf);
            // Owned, so the walker's own methods can run while it is looked at.
            let event = match read.map(|event| event.into_owned()) {
                Ok(event) => event,
                Err(error) => return Err(self.bad(error.to_string())),
            };
            let node = match event {
                Event::Start(start) => self.start(&start, false)?,
                Event::Empty(start) => self.start(&start, true)?,
                Event::End(_) => {
                    self.depth -= 1;
                    Node::End
                }
                Event::Text(text) => {
                    let text = text.unescape().map_err(|e| e.to_string());
                    Node::Text(text.map_err(|e| self.bad(e))?.into_owned())
                }
                Event::CData(data) => {
                    let text = String::from_utf8(data.into_inner().into_owned());
                    Node::Text(text.map_err(|_| self.bad("CDATA is not UTF-8"))?)
                }
                Event::DocType(doctype) => {
                    if String::from_utf8_lossy(&doctype).contains("ENTITY") {
                        return Err(self.bad(
                            "the document type declares entities; refused (they are never expanded)",
                        ));
                    }
                    continue;
                }
                Event::Eof => {
                    if self.depth > 0 {
                        return Err(self.bad("the file ends inside an element"));
                    }
                    return Ok(None);
                }
                _ => continue,
            };
            return Ok(Some(node));
        }
    }

    fn start(&mut self, start: &BytesStart, empty: bool) -> Result<Node, BadFile> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.bad(format!("elements nested deeper than {MAX_DEPTH}")));
        }
        let name = self.utf8(start.name().as_ref())?;
        let mut attributes = Vec::new();
        for attribute in start.attributes() {
            let attribute = attribute.map_err(|e| self.bad(e.to_string()))?;
            let key = self.utf8(attribute.key.as_ref())?;
            let value = attribute
                .unescape_value()
                .map_err(|e| self.bad(e.to_string()))?;
            attributes.push((key, value.into_owned()));
        }
        self.pending_end = empty;
        Ok(Node::Start { name, attributes })
    }

    fn utf8(&self, bytes: &[u8]) -> Result<String, BadFile> {
        String::from_utf8(bytes.to_vec()).map_err(|_| self.bad("a name is not UTF-8"))
    }

    /// An error at the reader's position, as line and byte.
    pub fn bad(&self, problem: impl Into<String>) -> BadFile {
        let offset = self.reader.buffer_position();
        let line = line_at(&self.file, offset);
        BadFile::new(&self.file, format!("line {line}, byte {offset}"), problem)
    }
}

/// The line (from 1) holding byte `offset`, counted again from the start.
fn line_at(file: &Path, offset: u64) -> u64 {
    let Ok(opened) = File::open(file) else {
        return 0;
    };
    let mut reader = BufReader::new(opened).take(offset);
    let mut line = 1;
    loop {
        let Ok(chunk) = reader.fill_buf() else {
            return line;
        };
        if chunk.is_empty() {
            return line;
        }
        line += chunk.iter().filter(|&&b| b == b'\n').count() as u64;
        let used = chunk.len();
        reader.consume(used);
    }
}

/// Markup in a comment (Disqus and WordPress keep HTML) as plain text:
/// tags dropped, paragraph and line breaks kept as line breaks. Entities
/// were decoded by the XML reader; those inside the HTML are decoded here.
pub fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('>') else {
            out.push_str(&rest[open..]);
            rest = "";
            break;
        };
        let tag = rest[open + 1..open + close].trim().to_ascii_lowercase();
        if tag.starts_with("br") || tag == "/p" || tag.starts_with("/div") {
            out.push('\n');
        }
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    decode_entities(&out)
}

fn decode_entities(text: &str) -> String {
    if !text.contains('&') {
        return text.to_owned();
    }
    match quick_xml::escape::unescape(text) {
        Ok(decoded) => decoded.into_owned(),
        Err(_) => text.replace("&nbsp;", " "),
    }
}
