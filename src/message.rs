//! What the page shows that is made here (a backend note, the comparison's sentences, a progress
//! line, an error naming a file: `crate::error::FileError`): a key of the page's string tables
//! (www/i18n/en.js and zh.js) with its arguments, so that the page words it in its own language
//! (www/i18n/i18n.js: `say`). [`Message::english`] words one with the English table itself, for
//! tests, printed tables and native error texts.
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Message {
    pub key: &'static str,
    pub args: BTreeMap<&'static str, Arg>,
}

/// An argument: text as it is (a name, a list of digits), a number the page formats in its
/// language with a fixed count of decimals, or another message (a clause chosen by the numbers).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Arg {
    Text(String),
    Number { value: f64, digits: u8 },
    Message(Message),
}

impl Message {
    pub fn new(key: &'static str) -> Self {
        Self { key, args: BTreeMap::new() }
    }

    pub fn text(mut self, name: &'static str, text: impl Into<String>) -> Self {
        self.args.insert(name, Arg::Text(text.into()));
        self
    }

    /// A number shown with `digits` decimals.
    pub fn number(mut self, name: &'static str, value: f64, digits: u8) -> Self {
        self.args.insert(name, Arg::Number { value, digits });
        self
    }

    pub fn message(mut self, name: &'static str, message: Message) -> Self {
        self.args.insert(name, Arg::Message(message));
        self
    }

    /// The message in English, as the page words it: en.js's string with its placeholders
    /// filled (numbers grouped by thousands, as the page's Intl formatting does for English).
    pub fn english(&self) -> String {
        let template = english_table()
            .get(self.key)
            .unwrap_or_else(|| panic!("no key {:?} in www/i18n/en.js", self.key));
        let mut out = String::new();
        let mut rest = template.as_str();
        while let Some(open) = rest.find('{') {
            let Some(close) = rest[open..].find('}').map(|c| open + c) else { break };
            let name = &rest[open + 1..close];
            out.push_str(&rest[..open]);
            match self.args.get(name) {
                Some(Arg::Text(text)) => out.push_str(text),
                Some(Arg::Number { value, digits }) => out.push_str(&grouped(*value, *digits)),
                Some(Arg::Message(message)) => out.push_str(&message.english()),
                None => out.push_str(&rest[open..=close]),
            }
            rest = &rest[close + 1..];
        }
        out.push_str(rest);
        out
    }
}

/// A number with `digits` decimals and thousands grouped (10000 → "10,000").
fn grouped(value: f64, digits: u8) -> String {
    let text = format!("{value:.*}", usize::from(digits));
    let (sign, unsigned) = text.strip_prefix('-').map_or(("", text.as_str()), |t| ("-", t));
    let (whole, fraction) = unsigned.split_once('.').map_or((unsigned, None), |(w, f)| (w, Some(f)));
    let mut out = String::from(sign);
    for (k, digit) in whole.chars().enumerate() {
        if k > 0 && (whole.len() - k) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    if let Some(fraction) = fraction {
        out.push('.');
        out.push_str(fraction);
    }
    out
}

/// www/i18n/en.js read as key → string (one `'key': 'text',` or `'key': "text",` a line).
fn english_table() -> &'static BTreeMap<String, String> {
    static TABLE: std::sync::OnceLock<BTreeMap<String, String>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        let source = include_str!("../www/i18n/en.js");
        source
            .lines()
            .filter_map(|line| {
                let line = line.trim().strip_prefix('\'')?;
                let (key, value) = line.split_once("': ")?;
                let value = value.strip_suffix(',')?;
                let text = if let Some(single) = value.strip_prefix('\'') {
                    single.strip_suffix('\'')?.to_string()
                } else {
                    unescape(value.strip_prefix('"')?.strip_suffix('"')?)
                };
                Some((key.to_string(), text))
            })
            .collect()
    })
}

fn unescape(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(next) = chars.next() {
                out.push(next);
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_fills_the_english_table() {
        let message = Message::new("offline.kept-used").number("files", 64.0, 0).text("megabytes", "81");
        assert_eq!(message.english(), "Kept for offline use: what you used (64 files, 81 MB).");
        let nested = Message::new("worker.loading").message("what", Message::new("asset.test-digits"));
        assert_eq!(nested.english(), "loading MNIST test digits");
        assert_eq!(grouped(10000.0, 0), "10,000");
        assert_eq!(grouped(-1234.567, 2), "-1,234.57");
    }

    /// Every key the Rust code writes literally in a `Message::new` is in en.js (zh.js has the same keys:
    /// tests/page/i18n.test.mjs), so no error or note reaches the page as a bare key.
    #[test]
    fn every_key_written_in_rust_is_in_the_english_table() {
        fn sources(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    sources(&path, out);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    out.push(path);
                }
            }
        }
        let mut files = Vec::new();
        sources(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut files);
        let mut keys = Vec::new();
        for file in &files {
            let source = std::fs::read_to_string(file).unwrap();
            for (at, _) in source.match_indices("Message::new(\"") {
                let rest = &source[at + "Message::new(\"".len()..];
                keys.push((rest[..rest.find('"').unwrap()].to_string(), file.display().to_string()));
            }
        }
        let file_keys = keys.iter().filter(|(key, _)| key.starts_with("file.")).count();
        assert!(file_keys >= 15, "the files' errors are keys: found {file_keys}");
        let missing: Vec<_> = keys.iter().filter(|(key, _)| !english_table().contains_key(key)).collect();
        assert!(missing.is_empty(), "keys missing from www/i18n/en.js: {missing:?}");
    }

    #[test]
    fn a_file_error_names_the_file_and_reads_in_english() {
        let error = crate::error::FileError::new(
            "mnist_test.bin.gz",
            Message::new("file.mnist-short").number("bytes", 14.0, 0),
        );
        assert_eq!(error.to_string(), "mnist_test.bin.gz: 14 bytes is shorter than the 16-byte header");
        assert_eq!(error.message().english(), error.to_string());
        let raw = crate::error::FileError::new("checkpoint/progress.json", "No such file".to_string());
        assert_eq!(raw.to_string(), "checkpoint/progress.json: No such file");
    }
}
