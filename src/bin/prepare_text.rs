//! Rebuilds the carried text corpus `www/data/text/fortunes.tsv.gz` from the topic files of
//! Debian's `fortunes` package (`scripts/prepare-text.sh` downloads and extracts it):
//! `cargo run --release --bin prepare_text -- <dir holding the topic files>`.
//! Each fortune becomes one line `topic\tsplit\ttext`: lines joined, whitespace collapsed, the
//! attribution (from a line starting with `--` on) dropped, duplicates dropped, kept only with
//! 4 to 80 words; the first `PER_TOPIC` of a topic are kept so that no topic swamps the others,
//! and every fifth of them is held out.

#![cfg_attr(target_arch = "wasm32", allow(unused_imports, dead_code))]

use std::io::Write;
use std::path::PathBuf;

use latent_lab::data::text::{detokenize, split_sentences, tokenize, TextCorpus, SENTENCE_TOKENS};

/// Topics with clearly different subjects and at least ~150 fortunes each in fortunes 1.99.1.
const TOPICS: [&str; 10] =
    ["computers", "drugs", "education", "food", "law", "love", "politics", "science", "sports", "startrek"];
const PER_TOPIC: usize = 300;
/// Every `HELD_OUT_EVERY`-th kept fortune of a topic (the 5th, 10th, …) is held out.
const HELD_OUT_EVERY: usize = 5;
const WORDS: std::ops::RangeInclusive<usize> = 4..=80;
const OUT: &str = "www/data/text/fortunes.tsv.gz";
/// The sentence VAE's corpus: short sentences of every prose file of the package, one per line
/// in the same `source\tsplit\ttext` form (the source file in place of the topic).
const SENTENCES_OUT: &str = "www/data/text/sentences.tsv.gz";
/// Files left out of the sentence corpus: pictures, untranslated text, and program code.
const NOT_PROSE: [&str; 5] = ["ascii-art", "translate-me", "perl", "linux", "debian"];

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir: PathBuf = std::env::args().nth(1).ok_or("usage: prepare_text <fortunes dir>")?.into();
    let mut lines = String::new();
    for topic in TOPICS {
        let path = dir.join(topic);
        let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        // A few files hold Latin-1 bytes; those characters are dropped by the tokeniser anyway.
        let raw = String::from_utf8_lossy(&bytes);
        let mut kept: Vec<String> = Vec::new();
        let mut total = 0;
        for fortune in raw.split("\n%\n") {
            total += 1;
            let text = clean(fortune);
            let words = tokenize(&text).iter().filter(|t| t.chars().any(char::is_alphanumeric)).count();
            if WORDS.contains(&words) && !kept.contains(&text) && kept.len() < PER_TOPIC {
                kept.push(text);
            }
        }
        for (i, text) in kept.iter().enumerate() {
            let split = if (i + 1) % HELD_OUT_EVERY == 0 { "test" } else { "train" };
            lines.push_str(&format!("{topic}\t{split}\t{text}\n"));
        }
        println!("{topic}: kept {} of {total} fortunes", kept.len());
    }
    write_corpus(&lines, OUT)?;
    write_corpus(&sentence_lines(&dir)?, SENTENCES_OUT)?;
    Ok(())
}

/// Gzips `lines` to `out` after parsing them: the file must read back as a corpus.
fn write_corpus(lines: &str, out: &str) -> Result<(), Box<dyn std::error::Error>> {
    // As text: a FileError is a std Error natively only, and this tool also builds for wasm (its
    // test target, in the browser tests' build).
    let corpus = TextCorpus::parse(lines.as_bytes(), out).map_err(|e| e.to_string())?;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(lines.as_bytes())?;
    let bytes = gz.finish()?;
    std::fs::create_dir_all("www/data/text")?;
    std::fs::write(out, &bytes)?;
    println!(
        "wrote {out}: {} documents ({} held out) in {} topics, {} bytes",
        corpus.documents.len(),
        corpus.held_out().len(),
        corpus.topics.len(),
        bytes.len()
    );
    Ok(())
}

/// The sentences of 3 to 15 tokens of every prose file (file names sorted), each kept once;
/// the sentences of every fifth fortune of a file are held out.
fn sentence_lines(dir: &std::path::Path) -> Result<String, Box<dyn std::error::Error>> {
    let mut files: Vec<String> = std::fs::read_dir(dir)?
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| !name.contains('.') && !NOT_PROSE.contains(&name.as_str()))
        .collect();
    files.sort();
    let mut seen = std::collections::HashSet::new();
    let mut lines = String::new();
    for file in files {
        let path = dir.join(&file);
        let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        if !path.is_file() {
            continue;
        }
        let raw = String::from_utf8_lossy(&bytes);
        for (i, fortune) in raw.split("\n%\n").enumerate() {
            let split = if (i + 1) % HELD_OUT_EVERY == 0 { "test" } else { "train" };
            for sentence in split_sentences(&tokenize(&clean(fortune))) {
                let text = detokenize(&sentence);
                if SENTENCE_TOKENS.contains(&sentence.len()) && seen.insert(text.clone()) {
                    lines.push_str(&format!("{file}\t{split}\t{text}\n"));
                }
            }
        }
    }
    Ok(lines)
}

/// One fortune as a single line: the attribution cut, whitespace (tabs included) collapsed.
fn clean(fortune: &str) -> String {
    let body: Vec<&str> = fortune.lines().take_while(|line| !line.trim_start().starts_with("--")).collect();
    body.join(" ").split_whitespace().collect::<Vec<_>>().join(" ")
}
