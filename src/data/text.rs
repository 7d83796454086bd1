//! Text for the retrieval and sentence demos, written once for the native trainers and the page:
//! the carried fortune corpus (`www/data/text/fortunes.tsv.gz`, see its README), the tokeniser,
//! the word vocabulary with its special tokens, and bag-of-words vectors. The vocabulary and the
//! bag's words are derived from the corpus's training split at load time (a few milliseconds),
//! so the corpus file is the one source of truth for trainer and page alike.

use std::collections::HashMap;

use burn::tensor::{Device, Tensor, TensorData};

use crate::error::FileError;
use crate::message::Message;

/// Words in a document's bag: the most frequent content words of the training split. 2000 was
/// measured against 1000 and 4000 (see `train text-ae`): the first loses topic words, the second
/// adds words seen once or twice.
pub const BAG_WORDS: usize = 2000;

/// One fortune: its topic (an index into [`TextCorpus::topics`]), whether it is held out from
/// training, and its cleaned text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    pub topic: usize,
    pub held_out: bool,
    pub text: String,
}

/// The corpus: `topic\tsplit\ttext` lines, `split` being `train` or `test`; topics are numbered
/// in the order they first appear.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextCorpus {
    pub topics: Vec<String>,
    pub documents: Vec<Document>,
}

impl TextCorpus {
    /// Parses the corpus, gzip'd or raw. `file` names it in any error.
    pub fn parse(bytes: &[u8], file: &str) -> Result<Self, FileError> {
        let error = |reason: Message| FileError::new(file, reason);
        let inflated = super::inflate(bytes, file)?;
        let raw: &[u8] = &inflated;
        let text = std::str::from_utf8(raw)
            .map_err(|e| error(Message::new("file.text-not-utf8").text("detail", e.to_string())))?;
        let mut corpus = Self { topics: Vec::new(), documents: Vec::new() };
        for (number, line) in text.lines().enumerate().map(|(i, l)| (i + 1, l)) {
            if line.is_empty() {
                continue;
            }
            let fields: Vec<&str> = line.split('\t').collect();
            let [topic, split, body] = fields[..] else {
                return Err(error(Message::new("file.text-fields").text("line", number.to_string()).number(
                    "fields",
                    fields.len() as f64,
                    0,
                )));
            };
            let held_out = match split {
                "train" => false,
                "test" => true,
                other => {
                    return Err(error(
                        Message::new("file.text-split").text("line", number.to_string()).text("split", other),
                    ))
                }
            };
            if topic.is_empty() || body.trim().is_empty() {
                return Err(error(Message::new("file.text-empty").text("line", number.to_string())));
            }
            let topic = match corpus.topics.iter().position(|t| t == topic) {
                Some(at) => at,
                None => {
                    corpus.topics.push(topic.to_string());
                    corpus.topics.len() - 1
                }
            };
            corpus.documents.push(Document { topic, held_out, text: body.to_string() });
        }
        if corpus.documents.is_empty() {
            return Err(error(Message::new("file.text-no-documents")));
        }
        Ok(corpus)
    }

    /// Reads and parses a file from disk (native tools and tests).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn load(path: impl AsRef<std::path::Path>) -> Result<Self, FileError> {
        let path = path.as_ref();
        let name = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|e| FileError::new(&name, e.to_string()))?;
        Self::parse(&bytes, &name)
    }

    /// The training documents, in file order.
    pub fn train(&self) -> Vec<&Document> {
        self.documents.iter().filter(|d| !d.held_out).collect()
    }

    /// The held-out documents, in file order.
    pub fn held_out(&self) -> Vec<&Document> {
        self.documents.iter().filter(|d| d.held_out).collect()
    }

    /// The bag-of-words vocabulary of the training split (the shipped size).
    pub fn bag_of_words(&self) -> BagOfWords {
        BagOfWords::fit(self.train().iter().map(|d| d.text.as_str()), BAG_WORDS)
    }
}

/// Punctuation kept as tokens of its own (sentence shape matters to the sentence VAE); any other
/// symbol separates words and is dropped.
const PUNCTUATION: &[char] = &['.', ',', '!', '?', ';', ':'];

/// Lower-cases `text` and splits it into tokens: words (letters and digits, with apostrophes
/// kept inside a word: "don't", "o'clock"), numbers as words of digits, and the punctuation marks
/// `. , ! ? ; :` each as a token. Everything else (quotes, dashes, brackets) separates tokens.
pub fn tokenize(text: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut word = String::new();
    let chars: Vec<char> = text.chars().flat_map(char::to_lowercase).collect();
    let finish = |word: &mut String, tokens: &mut Vec<String>| {
        let trimmed = word.trim_matches('\'');
        if !trimmed.is_empty() {
            tokens.push(trimmed.to_string());
        }
        word.clear();
    };
    for (i, &c) in chars.iter().enumerate() {
        let inside_word = |at: Option<&char>| at.is_some_and(|c| c.is_alphanumeric());
        if c.is_alphanumeric() {
            word.push(c);
        } else if (c == '\'' || c == '’') && !word.is_empty() && inside_word(chars.get(i + 1)) {
            word.push('\'');
        } else {
            finish(&mut word, &mut tokens);
            if PUNCTUATION.contains(&c) {
                tokens.push(c.to_string());
            }
        }
    }
    finish(&mut word, &mut tokens);
    tokens
}

/// Sentence lengths the sentence VAE works with, in tokens (punctuation included).
pub const SENTENCE_TOKENS: std::ops::RangeInclusive<usize> = 3..=15;

/// `tokens` cut into sentences after each `.`, `!` and `?` (a last unfinished one included).
pub fn split_sentences(tokens: &[String]) -> Vec<Vec<String>> {
    let mut sentences = Vec::new();
    let mut current = Vec::new();
    for token in tokens {
        current.push(token.clone());
        if matches!(token.as_str(), "." | "!" | "?") {
            sentences.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        sentences.push(current);
    }
    sentences
}

/// Tokens back to a sentence: spaces between words, none before punctuation.
pub fn detokenize<S: AsRef<str>>(tokens: &[S]) -> String {
    let mut out = String::new();
    for token in tokens {
        let token = token.as_ref();
        let is_mark = token.len() == 1 && token.chars().all(|c| PUNCTUATION.contains(&c));
        if !out.is_empty() && !is_mark {
            out.push(' ');
        }
        out.push_str(token);
    }
    out
}

/// The form a text takes after tokenising and joining back: what encode → decode returns when
/// every word is in the vocabulary.
pub fn normalise(text: &str) -> String {
    detokenize(&tokenize(text))
}

/// Token ids for the sentence models: the special tokens first, then words by falling frequency
/// in the texts it was built from (ties alphabetical, so the order never depends on hashing).
#[derive(Debug, Clone)]
pub struct Vocabulary {
    tokens: Vec<String>,
    ids: HashMap<String, usize>,
}

impl Vocabulary {
    pub const PAD: usize = 0;
    pub const UNK: usize = 1;
    pub const BOS: usize = 2;
    pub const EOS: usize = 3;
    pub const SPECIALS: [&'static str; 4] = ["<pad>", "<unk>", "<bos>", "<eos>"];

    /// The `max_words` most frequent tokens of `texts` seen at least `min_count` times, after
    /// the four special tokens.
    pub fn from_texts<'a>(
        texts: impl IntoIterator<Item = &'a str>,
        max_words: usize,
        min_count: usize,
    ) -> Self {
        let counts = token_counts(texts.into_iter().map(tokenize));
        let words = by_frequency(counts).into_iter().filter(|(_, n)| *n >= min_count).take(max_words);
        let tokens: Vec<String> =
            Self::SPECIALS.iter().map(|s| s.to_string()).chain(words.map(|(w, _)| w)).collect();
        let ids = tokens.iter().enumerate().map(|(i, t)| (t.clone(), i)).collect();
        Self { tokens, ids }
    }

    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    /// The token of `id` (`<unk>` for an id out of range).
    pub fn token(&self, id: usize) -> &str {
        self.tokens.get(id).map_or(Self::SPECIALS[Self::UNK], String::as_str)
    }

    /// The id of `token`, `UNK` when it is not in the vocabulary.
    pub fn id(&self, token: &str) -> usize {
        self.ids.get(token).copied().unwrap_or(Self::UNK)
    }

    /// `text`'s token ids, without `<bos>`/`<eos>`.
    pub fn encode(&self, text: &str) -> Vec<usize> {
        tokenize(text).iter().map(|t| self.id(t)).collect()
    }

    /// Ids back to a sentence: stops at the first `<eos>`, skips `<pad>` and `<bos>`, writes
    /// unknown words as `<unk>`.
    pub fn decode(&self, ids: &[usize]) -> String {
        let tokens: Vec<&str> = ids
            .iter()
            .take_while(|&&id| id != Self::EOS)
            .filter(|&&id| id != Self::PAD && id != Self::BOS)
            .map(|&id| self.token(id))
            .collect();
        detokenize(&tokens)
    }
}

/// Function words left out of the bag of words: they say nothing about a document's topic.
const STOP_WORDS: &[&str] = &[
    "a", "about", "after", "all", "also", "am", "an", "and", "any", "are", "as", "at", "be", "because",
    "been", "before", "being", "but", "by", "can", "could", "did", "do", "does", "don't", "down", "each",
    "even", "every", "for", "from", "get", "got", "had", "has", "have", "he", "her", "here", "him", "his",
    "how", "i", "i'm", "if", "in", "into", "is", "it", "it's", "its", "just", "let", "like", "may", "me",
    "might", "more", "most", "much", "must", "my", "no", "not", "now", "of", "off", "on", "one", "only",
    "or", "other", "our", "out", "over", "own", "said", "same", "say", "she", "should", "so", "some", "such",
    "than", "that", "that's", "the", "their", "them", "then", "there", "these", "they", "this", "those",
    "through", "to", "too", "two", "up", "upon", "us", "very", "was", "way", "we", "well", "were", "what",
    "when", "where", "which", "while", "who", "whom", "why", "will", "with", "would", "you", "your",
    "you're",
];

/// Whether `token` may go in a bag of words: a word with a letter in it, not a function word.
pub fn is_content_word(token: &str) -> bool {
    token.chars().any(char::is_alphabetic) && token.chars().count() > 1 && !STOP_WORDS.contains(&token)
}

/// Bag-of-words vectors over a fixed list of content words, with each word's inverse document
/// frequency over the texts it was fitted on (for the tf-idf baseline).
#[derive(Debug, Clone)]
pub struct BagOfWords {
    words: Vec<String>,
    ids: HashMap<String, usize>,
    idf: Vec<f32>,
}

impl BagOfWords {
    /// The `size` most frequent content words of `texts` (ties alphabetical) and their idf,
    /// ln(documents / documents containing the word).
    pub fn fit<'a>(texts: impl IntoIterator<Item = &'a str>, size: usize) -> Self {
        let documents: Vec<Vec<String>> = texts.into_iter().map(tokenize).collect();
        let counts = token_counts(documents.iter().cloned());
        let words: Vec<String> = by_frequency(counts)
            .into_iter()
            .filter(|(w, _)| is_content_word(w))
            .take(size)
            .map(|(w, _)| w)
            .collect();
        let ids: HashMap<String, usize> = words.iter().enumerate().map(|(i, w)| (w.clone(), i)).collect();
        let mut containing = vec![0usize; words.len()];
        for document in &documents {
            let mut seen: Vec<usize> = document.iter().filter_map(|t| ids.get(t).copied()).collect();
            seen.sort_unstable();
            seen.dedup();
            seen.into_iter().for_each(|i| containing[i] += 1);
        }
        let total = documents.len().max(1) as f32;
        let idf = containing.iter().map(|&n| (total / n.max(1) as f32).ln()).collect();
        Self { words, ids, idf }
    }

    pub fn len(&self) -> usize {
        self.words.len()
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    pub fn words(&self) -> &[String] {
        &self.words
    }

    /// How often each bag word occurs in `text`: `[len]`.
    pub fn counts(&self, text: &str) -> Vec<f32> {
        let mut bag = vec![0.0; self.words.len()];
        for token in tokenize(text) {
            if let Some(&i) = self.ids.get(&token) {
                bag[i] += 1.0;
            }
        }
        bag
    }

    /// Counts weighted by idf: rare words count for more.
    pub fn tf_idf(&self, text: &str) -> Vec<f32> {
        self.counts(text).iter().zip(&self.idf).map(|(c, w)| c * w).collect()
    }

    /// The counts of each of `texts` as a `[texts, len]` tensor.
    pub fn counts_tensor<S: AsRef<str>>(&self, texts: &[S], device: &Device) -> Tensor<2> {
        let values: Vec<f32> = texts.iter().flat_map(|t| self.counts(t.as_ref())).collect();
        Tensor::from_data(TensorData::new(values, [texts.len(), self.len()]), device)
    }

    /// The tf-idf vectors of `texts` as a `[texts, len]` tensor.
    pub fn tf_idf_tensor<S: AsRef<str>>(&self, texts: &[S], device: &Device) -> Tensor<2> {
        let values: Vec<f32> = texts.iter().flat_map(|t| self.tf_idf(t.as_ref())).collect();
        Tensor::from_data(TensorData::new(values, [texts.len(), self.len()]), device)
    }
}

fn token_counts(documents: impl Iterator<Item = Vec<String>>) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for token in documents.flatten() {
        *counts.entry(token).or_insert(0) += 1;
    }
    counts
}

/// Tokens by falling count, ties alphabetical.
fn by_frequency(counts: HashMap<String, usize>) -> Vec<(String, usize)> {
    let mut sorted: Vec<(String, usize)> = counts.into_iter().collect();
    sorted.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    sorted
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn tokens_keep_inner_apostrophes_and_punctuation() {
        assert_eq!(
            tokenize("Don't PANIC -- it's 42 o'clock, 'really'!"),
            vec!["don't", "panic", "it's", "42", "o'clock", ",", "really", "!"]
        );
        assert_eq!(normalise("  Hello ,world.  "), "hello, world.");
    }

    #[test]
    fn parser_counts_topics_and_splits() {
        let corpus = TextCorpus::parse(b"a\ttrain\tone\nb\ttest\ttwo\na\ttest\tthree\n", "t.tsv").unwrap();
        assert_eq!(corpus.topics, vec!["a", "b"]);
        assert_eq!(corpus.train().len(), 1);
        assert_eq!(corpus.held_out()[1].topic, 0);
    }
}
