//! The text demo's session (`?demo=text`): the fortune corpus as bags of words placed on a map by
//! the 2-D auto-encoder and by PCA, a typed query answered by the nearest documents by code and
//! by word overlap, precision@k by topic over the held-out documents both ways; and the sentence
//! VAE: two sentences → their codes → sentences decoded (by beam search or greedily, and sampled) along the straight
//! line between them, and sentences from the prior.

use std::cell::RefCell;

use burn::tensor::{Device, Int, Tensor};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use wasm_bindgen::prelude::*;

use super::{check_device, in_range, read, to_js, Runtime};
use crate::data::text::{tokenize, BagOfWords, TextCorpus, Vocabulary, BAG_WORDS};
use crate::models::gan::fixed_noise;
use crate::models::pca::Pca;
use crate::models::sentence_vae::{
    covered_ids, decode_codes, decode_rows, interpolate, sample_codes, sentence_vocabulary, sentences,
    SentenceBatch, SentenceVae, SentenceVaeConfig, MAX_TOKENS,
};
use crate::models::text_autoencoder::{
    cosine_distances, topic_precision, TextAutoencoder, TextAutoencoderConfig,
};
use crate::weights;

/// Training sentences offered as examples to pick from, evenly spaced through the corpus, of
/// `EXAMPLE_TOKENS` tokens (long enough for a path between two to say something).
const EXAMPLES: usize = 60;
const EXAMPLE_TOKENS: std::ops::RangeInclusive<usize> = 6..=12;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Map {
    /// Every document's place, `[x, y, x, y, …]`, by the 2-D auto-encoder and by PCA.
    autoencoder: Vec<f32>,
    pca: Vec<f32>,
    /// Every document's topic (an index into `topic_names`) and whether it is held out.
    topics: Vec<u8>,
    held_out: Vec<bool>,
    topic_names: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Hit {
    topic: u8,
    text: String,
    /// 1 − cosine.
    distance: f32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Answer {
    /// The query's words that are in the bag of words (the rest are not seen by either measure).
    known_words: Vec<String>,
    /// The query's place on both maps (absent when none of its words is in the bag).
    autoencoder: Option<[f32; 2]>,
    pca: Option<[f32; 2]>,
    /// The nearest training documents by code and by word overlap, nearest first.
    by_code: Vec<Hit>,
    by_words: Vec<Hit>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Precision {
    k: usize,
    /// Held-out documents asked, training documents searched.
    queries: usize,
    index: usize,
    by_code: f32,
    by_words: f32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Poetry {
    /// Each end as the model reads it (lower case, unknown words as `<unk>`, at most 15 tokens).
    a: String,
    b: String,
    /// Words of either end not in the VAE's vocabulary.
    unknown: Vec<String>,
    /// One sentence per evenly spaced code from a to b, ends included: the likeliest the search
    /// found (a beam of `beam` prefixes; 1 is greedy), and one sampled at `temperature`.
    decoded: Vec<String>,
    sampled: Vec<String>,
    beam: usize,
    temperature: f64,
}

/// The retrieval half, once the corpus is loaded.
struct Documents {
    corpus: TextCorpus,
    bag: BagOfWords,
    /// Word counts of every document, in corpus order, and of the training documents alone.
    counts: Tensor<2>,
    train_counts: Tensor<2>,
    train: Vec<usize>,
}

/// The sentence half, once the sentence corpus is loaded.
struct Sentences {
    vocabulary: Vocabulary,
    examples: Vec<String>,
}

#[wasm_bindgen]
pub struct TextSession {
    device: Device,
    documents: Option<Documents>,
    search: TextAutoencoder,
    /// The training documents' search codes, kept on the device once computed (a query would
    /// otherwise encode all 1,692 again); emptied when the corpus or the weights change.
    train_codes: RefCell<Option<Tensor<2>>>,
    map: TextAutoencoder,
    pca: Pca,
    sentences: Option<Sentences>,
    vae: Option<SentenceVae>,
    rng: SmallRng,
}

#[wasm_bindgen]
impl TextSession {
    #[wasm_bindgen(constructor)]
    pub fn new(runtime: &Runtime, seed: u32) -> TextSession {
        let device = runtime.device.clone();
        TextSession {
            search: TextAutoencoderConfig::search(BAG_WORDS).init(&device),
            train_codes: RefCell::new(None),
            map: TextAutoencoderConfig::map_2d(BAG_WORDS).init(&device),
            pca: Pca::zeros(2, BAG_WORDS, &device),
            device,
            documents: None,
            sentences: None,
            vae: None,
            rng: SmallRng::seed_from_u64(seed.into()),
        }
    }

    /// The retrieval corpus (`fortunes.tsv.gz`); returns the number of documents.
    pub fn load_corpus(&mut self, bytes: &[u8], file: &str) -> Result<usize, JsError> {
        let corpus = TextCorpus::parse(bytes, file)?;
        let bag = corpus.bag_of_words();
        let texts: Vec<&str> = corpus.documents.iter().map(|d| d.text.as_str()).collect();
        let counts = bag.counts_tensor(&texts, &self.device);
        let train: Vec<usize> =
            (0..corpus.documents.len()).filter(|&i| !corpus.documents[i].held_out).collect();
        let train_counts = counts.clone().select(0, self.indices(&train));
        let count = corpus.documents.len();
        self.documents = Some(Documents { corpus, bag, counts, train_counts, train });
        self.train_codes.take();
        Ok(count)
    }

    /// `text-ae`, `text-ae2d`, `text-pca` or `sentence-vae` (the last after the sentences).
    pub fn load_weights(&mut self, name: &str, bytes: &[u8], file: &str) -> Result<(), JsError> {
        match name {
            "text-ae" => {
                self.search = weights::load(self.search.clone(), bytes, file)?;
                self.train_codes.take();
            }
            "text-ae2d" => self.map = weights::load(self.map.clone(), bytes, file)?,
            "text-pca" => self.pca = weights::load(self.pca.clone(), bytes, file)?,
            "sentence-vae" => {
                let sentences = self.sentences.as_ref().ok_or_else(|| {
                    crate::error::FileError::new(file, crate::message::Message::new("file.needs-sentences"))
                })?;
                let fresh = SentenceVaeConfig::new(sentences.vocabulary.len()).init(&self.device);
                self.vae = Some(weights::load(fresh, bytes, file)?);
            }
            other => return Err(JsError::new(&format!("no text model is called {other}"))),
        }
        Ok(())
    }

    /// The sentence corpus (`sentences.tsv.gz`): the VAE's vocabulary comes from it, as in
    /// training. Returns the vocabulary's size.
    pub fn load_sentences(&mut self, bytes: &[u8], file: &str) -> Result<usize, JsError> {
        let (train, _) = sentences(&TextCorpus::parse(bytes, file)?);
        let vocabulary = sentence_vocabulary(&train);
        let covered: Vec<Vec<usize>> = covered_ids(&train, &vocabulary)
            .into_iter()
            .filter(|ids| EXAMPLE_TOKENS.contains(&ids.len()))
            .collect();
        let every = (covered.len() / EXAMPLES).max(1);
        let examples =
            covered.iter().step_by(every).take(EXAMPLES).map(|ids| vocabulary.decode(ids)).collect();
        let size = vocabulary.len();
        self.sentences = Some(Sentences { vocabulary, examples });
        Ok(size)
    }

    /// Training sentences to pick from.
    pub fn examples(&self) -> Result<JsValue, JsError> {
        Ok(to_js(&self.sentences()?.examples)?)
    }

    /// Every document on both maps: `{autoencoder, pca, topics, heldOut, topicNames}`.
    pub fn map(&self) -> Result<js_sys::Promise, JsError> {
        check_device()?;
        let documents = self.documents()?;
        let places = Tensor::cat(
            vec![self.map.encode(documents.counts.clone()), self.pca_places(documents.counts.clone())],
            1,
        );
        let corpus = &documents.corpus;
        let topics = corpus.documents.iter().map(|d| d.topic as u8).collect();
        let held_out = corpus.documents.iter().map(|d| d.held_out).collect();
        let topic_names = corpus.topics.clone();
        Ok(wasm_bindgen_futures::future_to_promise(async move {
            let values = read(places).await?;
            let (autoencoder, pca) = values
                .chunks(4)
                .map(|row| ([row[0], row[1]], [row[2], row[3]]))
                .unzip::<_, _, Vec<_>, Vec<_>>();
            Ok(to_js(&Map {
                autoencoder: autoencoder.concat(),
                pca: pca.concat(),
                topics,
                held_out,
                topic_names,
            })?)
        }))
    }

    /// The `k` training documents nearest to `query` by the 32-D code and by word overlap (cosine
    /// of word counts), and the query's place on both maps. One readback.
    pub fn query(&self, query: &str, k: usize) -> Result<js_sys::Promise, JsError> {
        check_device()?;
        in_range("k", k as f64, 1.0, 50.0)?;
        in_range("the query's length", query.len() as f64, 0.0, 2000.0)?;
        let documents = self.documents()?;
        let known_words: Vec<String> =
            tokenize(query).into_iter().filter(|w| documents.bag.words().contains(w)).collect();
        if known_words.is_empty() {
            let empty =
                Answer { known_words, autoencoder: None, pca: None, by_code: vec![], by_words: vec![] };
            return Ok(js_sys::Promise::resolve(&to_js(&empty)?));
        }
        let counts = documents.bag.counts_tensor(&[query], &self.device);
        let by_code = cosine_distances(self.search.encode(counts.clone()), self.train_codes(documents));
        let by_words = cosine_distances(counts.clone(), documents.train_counts.clone());
        let places = Tensor::cat(vec![self.map.encode(counts.clone()), self.pca_places(counts)], 1);
        let all = Tensor::cat(vec![by_code, by_words, places], 1);
        let index = documents.train.len();
        // The hits are named after the readback, from a copy of the training documents.
        let texts: Vec<(u8, String)> = documents
            .train
            .iter()
            .map(|&i| (documents.corpus.documents[i].topic as u8, documents.corpus.documents[i].text.clone()))
            .collect();
        Ok(wasm_bindgen_futures::future_to_promise(async move {
            let values = read(all).await?;
            let hits = |distances: &[f32]| -> Vec<Hit> {
                crate::retrieval::nearest(distances, index, k)[0]
                    .iter()
                    .map(|&i| Hit { topic: texts[i].0, text: texts[i].1.clone(), distance: distances[i] })
                    .collect()
            };
            let places = &values[2 * index..];
            Ok(to_js(&Answer {
                known_words,
                autoencoder: Some([places[0], places[1]]),
                pca: Some([places[2], places[3]]),
                by_code: hits(&values[..index]),
                by_words: hits(&values[index..2 * index]),
            })?)
        }))
    }

    /// Precision@k by topic over the held-out documents (each asks the training documents), by
    /// code and by word overlap, as `tests/text.rs` measures it.
    pub fn precision(&self, k: usize) -> Result<js_sys::Promise, JsError> {
        check_device()?;
        in_range("k", k as f64, 1.0, 50.0)?;
        let documents = self.documents()?;
        let corpus = &documents.corpus;
        let held_out: Vec<usize> =
            (0..corpus.documents.len()).filter(|&i| corpus.documents[i].held_out).collect();
        let queries = documents.counts.clone().select(0, self.indices(&held_out));
        let by_code = cosine_distances(self.search.encode(queries.clone()), self.train_codes(documents));
        let by_words = cosine_distances(queries, documents.train_counts.clone());
        let topics =
            |rows: &[usize]| -> Vec<u8> { rows.iter().map(|&i| corpus.documents[i].topic as u8).collect() };
        let (query_topics, index_topics) = (topics(&held_out), topics(&documents.train));
        let all = Tensor::cat(vec![by_code, by_words], 0);
        Ok(wasm_bindgen_futures::future_to_promise(async move {
            let values = read(all).await?;
            let half = values.len() / 2;
            Ok(to_js(&Precision {
                k,
                queries: query_topics.len(),
                index: index_topics.len(),
                by_code: topic_precision(&values[..half], &query_topics, &index_topics, k),
                by_words: topic_precision(&values[half..], &query_topics, &index_topics, k),
            })?)
        }))
    }

    /// `steps` sentences decoded from evenly spaced codes between the posterior means of `a` and
    /// `b`: by beam search of `beam` prefixes (1: greedily), and sampled at `temperature`. One
    /// readback.
    pub fn interpolate(
        &mut self,
        a: &str,
        b: &str,
        steps: usize,
        beam: usize,
        temperature: f64,
    ) -> Result<js_sys::Promise, JsError> {
        check_device()?;
        in_range("the number of steps", steps as f64, 2.0, 16.0)?;
        in_range("the beam width", beam as f64, 1.0, 8.0)?;
        in_range("the temperature", temperature, 0.05, 2.0)?;
        let vae = self.vae()?.clone();
        let vocabulary = self.sentences()?.vocabulary.clone();
        let ends: Vec<Vec<usize>> = [a, b].iter().map(|s| self.sentence_ids(s)).collect::<Result<_, _>>()?;
        let unknown: Vec<String> =
            [a, b].iter().flat_map(|s| tokenize(s)).filter(|w| vocabulary.id(w) == Vocabulary::UNK).collect();
        let batch = SentenceBatch::new(&ends, 0.0, &mut self.rng, &self.device);
        let (mean, _) = vae.encode(&batch);
        let codes = interpolate(mean.clone().narrow(0, 0, 1), mean.narrow(0, 1, 1), steps);
        let decoded = decode_codes(&vae, codes.clone(), beam);
        let sampled = sample_codes(&vae, codes, temperature, self.rng.random());
        let (a, b) = (vocabulary.decode(&ends[0]), vocabulary.decode(&ends[1]));
        Ok(wasm_bindgen_futures::future_to_promise(async move {
            let values = read(Tensor::cat(vec![decoded, sampled], 0).float()).await?;
            let rows = sentences_of(&values, &vocabulary);
            let (decoded, sampled) = rows.split_at(steps);
            Ok(to_js(&Poetry {
                a,
                b,
                unknown,
                decoded: decoded.to_vec(),
                sampled: sampled.to_vec(),
                beam,
                temperature,
            })?)
        }))
    }

    /// `count` sentences from codes drawn from the prior N(0, I), greedy (temperature 0) or
    /// sampled.
    pub fn prior(&mut self, count: usize, temperature: f64) -> Result<js_sys::Promise, JsError> {
        check_device()?;
        in_range("the number of sentences", count as f64, 1.0, 16.0)?;
        in_range("the temperature", temperature, 0.0, 2.0)?;
        let vae = self.vae()?.clone();
        let vocabulary = self.sentences()?.vocabulary.clone();
        let codes = fixed_noise(self.rng.random(), count, vae.code_size(), &self.device);
        let tokens = sample_codes(&vae, codes, temperature, self.rng.random());
        Ok(wasm_bindgen_futures::future_to_promise(async move {
            let values = read(tokens.float()).await?;
            Ok(to_js(&sentences_of(&values, &vocabulary))?)
        }))
    }
}

impl TextSession {
    fn documents(&self) -> Result<&Documents, JsError> {
        self.documents.as_ref().ok_or_else(|| JsError::new("the text corpus is not loaded"))
    }

    fn train_codes(&self, documents: &Documents) -> Tensor<2> {
        self.train_codes
            .borrow_mut()
            .get_or_insert_with(|| self.search.encode(documents.train_counts.clone()))
            .clone()
    }

    fn sentences(&self) -> Result<&Sentences, JsError> {
        self.sentences.as_ref().ok_or_else(|| JsError::new("the sentence corpus is not loaded"))
    }

    fn vae(&self) -> Result<&SentenceVae, JsError> {
        self.vae.as_ref().ok_or_else(|| JsError::new("the sentence VAE's weights are not loaded"))
    }

    fn indices(&self, rows: &[usize]) -> Tensor<1, Int> {
        let values: Vec<i64> = rows.iter().map(|&i| i as i64).collect();
        Tensor::from_data(burn::tensor::TensorData::new(values, [rows.len()]), &self.device)
    }

    /// PCA's first two components of log(1 + count), as the trainer fitted them.
    fn pca_places(&self, counts: Tensor<2>) -> Tensor<2> {
        self.pca.encode(counts.log1p(), 2)
    }

    /// A typed sentence as the VAE's ids: tokenised, unknown words as `<unk>`, at most 15
    /// tokens; an error when nothing is left.
    fn sentence_ids(&self, text: &str) -> Result<Vec<usize>, JsError> {
        let vocabulary = &self.sentences()?.vocabulary;
        let ids: Vec<usize> = tokenize(text).iter().take(MAX_TOKENS).map(|w| vocabulary.id(w)).collect();
        if ids.is_empty() {
            return Err(super::said(crate::message::Message::new("error.no-words")));
        }
        Ok(ids)
    }
}

/// Read-back token ids (as floats, `MAX_TOKENS` + 1 per row) → sentences.
fn sentences_of(values: &[f32], vocabulary: &Vocabulary) -> Vec<String> {
    let ids: Vec<i64> = values.iter().map(|&v| v as i64).collect();
    let rows = ids.len() / (MAX_TOKENS + 1);
    decode_rows(burn::tensor::TensorData::new(ids, [rows, MAX_TOKENS + 1]), vocabulary)
}
