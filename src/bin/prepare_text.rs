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

use latent_lab::data::text::{tokenize, TextCorpus};

/// Topics with clearly different subjects and at least ~150 fortunes each in fortunes 1.99.1.
const TOPICS: [&str; 10] =
    ["computers", "drugs", "education", "food", "law", "love", "politics", "science", "sports", "startrek"];
const PER_TOPIC: usize = 300;
/// Every `HELD_OUT_EVERY`-th kept fortune of a topic (the 5th, 10th, …) is held out.
const HELD_OUT_EVERY: usize = 5;
const WORDS: std::ops::RangeInclusive<usize> = 4..=80;
const OUT: &str = "www/data/text/fortunes.tsv.gz";

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
    // Parse what is about to be written: the file must read back as the corpus.
    let corpus = TextCorpus::parse(lines.as_bytes(), OUT)?;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(lines.as_bytes())?;
    let bytes = gz.finish()?;
    std::fs::create_dir_all("www/data/text")?;
    std::fs::write(OUT, &bytes)?;
    println!(
        "wrote {OUT}: {} documents ({} held out) in {} topics, {} bytes",
        corpus.documents.len(),
        corpus.held_out().len(),
        corpus.topics.len(),
        bytes.len()
    );
    Ok(())
}

/// One fortune as a single line: the attribution cut, whitespace (tabs included) collapsed.
fn clean(fortune: &str) -> String {
    let body: Vec<&str> = fortune.lines().take_while(|line| !line.trim_start().starts_with("--")).collect();
    body.join(" ").split_whitespace().collect::<Vec<_>>().join(" ")
}
