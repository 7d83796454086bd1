//! `TextCorpus::parse` on any bytes (raw or gzip'd `topic\tsplit\ttext` lines), then on any
//! UTF-8 text: tokenize, and a vocabulary built from the text encodes and decodes it back to its
//! normal form. Never a panic; an error names the file.
#![no_main]

use latent_lab::data::text::{normalise, tokenize, TextCorpus, Vocabulary};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    match TextCorpus::parse(bytes, "fuzz.tsv") {
        Ok(corpus) => {
            assert!(!corpus.documents.is_empty());
            assert!(corpus.documents.iter().all(|d| d.topic < corpus.topics.len()));
            let _ = corpus.bag_of_words();
        }
        Err(error) => {
            assert_eq!(error.file, "fuzz.tsv");
            assert!(error.to_string().starts_with("fuzz.tsv: "));
        }
    }
    let text = String::from_utf8_lossy(bytes);
    let tokens = tokenize(&text);
    assert!(tokens.iter().all(|t| !t.is_empty()));
    // Every word of the text is in a vocabulary built from it: decode ∘ encode is normalise.
    let vocabulary = Vocabulary::from_texts([text.as_ref()], usize::MAX, 1);
    let ids = vocabulary.encode(&text);
    assert_eq!(ids.len(), tokens.len());
    assert!(ids.iter().all(|&id| id != Vocabulary::UNK), "a word of the text is unknown");
    assert_eq!(vocabulary.decode(&ids), normalise(&text));
    // The normal form is a fixed point.
    assert_eq!(tokenize(&normalise(&text)), tokens);
});
