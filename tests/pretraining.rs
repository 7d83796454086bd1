//! Native tests of greedy layer-wise pretraining: the L1 penalty makes a wide first layer's codes
//! sparse, the shipped pretrained stack beats random init of the same sigmoid net with 100
//! labels (and that rerun agrees with the shipped table's 100-label row), and the shipped table
//! is well formed. Every figure is printed; bars come from measurement.
#![cfg(not(target_arch = "wasm32"))]

use std::sync::Mutex;

use burn::tensor::{Device, Tensor};
use latent_lab::data::mnist::Mnist;
use latent_lab::models::pretraining::{
    accuracy, fine_tuning_config, labelled_subset, Arm, DigitNet, FineTuning, FineTuningConfig,
    LayerPretraining, PretrainingConfig, StackConfig,
};
use latent_lab::models::seeded;
use latent_lab::weights;

/// Fresh weights come from burn's process-wide CPU RNG: tests that draw them hold this.
static RNG: Mutex<()> = Mutex::new(());

fn test_set() -> Mnist {
    Mnist::load("www/data/mnist_test.bin.gz").unwrap()
}

fn training_subset() -> Mnist {
    Mnist::load("www/data/mnist_train_10k.bin.gz").unwrap()
}

/// Mean code and share of codes below 0.05 of a one-layer stack's codes.
fn code_statistics(codes: Tensor<2>) -> (f32, f32) {
    let mean: f32 = codes.clone().mean().into_scalar();
    let near_zero: f32 = codes.lower_elem(0.05).float().mean().into_scalar();
    (mean, near_zero)
}

#[test]
fn the_l1_penalty_makes_a_wide_first_layer_sparser() {
    let device = Device::flex();
    let data = training_subset();
    let held_out = test_set().first(500);
    let all: Vec<usize> = (0..held_out.len()).collect();
    let config = StackConfig::new(vec![784, 1000]);
    let mut statistics = Vec::new();
    for l1_penalty in [0.0, 0.3] {
        let stack = RNG.lock().map(|_| seeded(7, |d| config.init(d))).unwrap();
        let pretraining =
            PretrainingConfig::new().with_batch_size(64).with_seed(8).with_l1_penalty(l1_penalty);
        let mut training =
            RNG.lock().map(|_| LayerPretraining::new(&stack, 0, pretraining, &device)).unwrap();
        for _ in 0..100 {
            training.step(&data);
        }
        let (mean, near_zero) = code_statistics(training.stack().codes(held_out.batch(&all, &device), 1));
        println!(
            "784→1000, 100 steps, L1 {l1_penalty}: mean code {mean:.3}, {:.1} % of codes < 0.05",
            100.0 * near_zero
        );
        statistics.push((mean, near_zero));
    }
    // Measured: mean code 0.474 without the penalty, 0.137 with it; 1.6 % against 50.4 % of
    // codes below 0.05.
    let ((plain_mean, plain_zero), (sparse_mean, sparse_zero)) = (statistics[0], statistics[1]);
    assert!(sparse_mean < 0.5 * plain_mean, "mean code {sparse_mean} vs {plain_mean}");
    assert!(sparse_zero > plain_zero + 0.2, "share near 0: {sparse_zero} vs {plain_zero}");
}

#[test]
fn fine_tuning_the_shipped_stack_lowers_the_loss() {
    let device = Device::flex();
    let data = training_subset();
    let stack = RNG.lock().map(|_| StackConfig::shipped().init(&device)).unwrap();
    let stack = weights::load_file(stack, "www/weights/pretrained-stack.bpk").unwrap();
    let net = RNG.lock().map(|_| seeded(3, |d| DigitNet::from_stack(stack, d))).unwrap();
    let labelled = labelled_subset(&data, 100, 3);
    let mut tuning = FineTuning::new(net, FineTuningConfig::for_labels(100, 3), &device);
    let first: f32 = tuning.step(&data, &labelled).into_scalar();
    let mut last = first;
    for _ in 0..10 {
        last = tuning.step(&data, &labelled).into_scalar();
    }
    println!("fine-tuning the shipped stack on 100 labels: loss {first:.3} → {last:.3} in 10 steps");
    // Measured: 2.350 → 1.717.
    assert!(last < 0.8 * first, "loss {first} → {last}");
}

#[test]
fn with_100_labels_pretrained_init_beats_random_init_and_agrees_with_the_shipped_table() {
    let device = Device::flex();
    let data = training_subset();
    let test = test_set();
    let stack = RNG.lock().map(|_| StackConfig::shipped().init(&device)).unwrap();
    let stack = weights::load_file(stack, "www/weights/pretrained-stack.bpk").unwrap();
    let (mut pretrained, mut random) = (Vec::new(), Vec::new());
    for seed in 0..3 {
        let labelled = labelled_subset(&data, 100, seed);
        for (arm, scores) in [(Arm::Pretrained, &mut pretrained), (Arm::Random, &mut random)] {
            let net = RNG.lock().map(|_| arm.initial_net(&stack, 100 + seed)).unwrap();
            let mut tuning = FineTuning::new(net, fine_tuning_config(arm, 100).with_seed(seed), &device);
            while !tuning.done() {
                tuning.step(&data, &labelled);
            }
            scores.push(100.0 * accuracy(&tuning.net(), &test, &device));
        }
    }
    let mean = |v: &[f32]| v.iter().sum::<f32>() / v.len() as f32;
    println!("100 labels, 10k test digits: pretrained {pretrained:?} (mean {:.2} %)", mean(&pretrained));
    println!("100 labels, 10k test digits: random     {random:?} (mean {:.2} %)", mean(&random));
    // Measured (seeds 0-2, labelled digits from the 10k training subset): pretrained 76.86 /
    // 76.53 / 80.56 %, random 68.95 / 69.63 / 71.06 %: means 77.98 against 69.88.
    assert!(mean(&pretrained) > mean(&random) + 2.0, "pretrained {pretrained:?} vs random {random:?}");

    // The shipped table's 100-label row came from this code on the 60k training digits (5 seeds);
    // this small rerun draws its labels from the 10k subset, so it cannot match digit for digit,
    // but its means must lie within two of the table's standard deviations of the table's means
    // (measured: 77.98 against 76.84 ± 2.48, 69.88 against 69.66 ± 3.20).
    let row = shipped_table_row(100.0);
    for (arm, rerun) in [("pretrained", mean(&pretrained)), ("random", mean(&random))] {
        let (table_mean, table_sd) = row(arm);
        println!("100 labels, {arm}: rerun {rerun:.2} %, table {table_mean:.2} ± {table_sd:.2} %");
        assert!(
            (f64::from(rerun) - table_mean).abs() <= 2.0 * table_sd,
            "{arm}: the rerun's {rerun:.2} % is not within 2 sd of the table's {table_mean:.2} ± {table_sd:.2} %"
        );
    }
}

/// The shipped table's row for `labels`: `[mean, sd]` of an arm's test accuracy in %.
fn shipped_table_row(labels: f64) -> impl Fn(&str) -> (f64, f64) {
    let text = std::fs::read_to_string("www/weights/pretraining-table.json").unwrap();
    let table = parse_json(&text).unwrap();
    let Some(Json::List(rows)) = table.get("rows") else { panic!("no rows in {text}") };
    let row = rows.iter().find(|r| r.get("labels").and_then(Json::number) == Some(labels)).cloned();
    let row = row.unwrap_or_else(|| panic!("no {labels}-label row in {text}"));
    move |arm| match row.get(arm) {
        Some(Json::List(pair)) if pair.len() == 2 => (pair[0].number().unwrap(), pair[1].number().unwrap()),
        other => panic!("{arm}: {other:?}"),
    }
}

/// Just enough JSON for the table: objects, arrays, numbers and strings (no escapes but `\"`).
#[derive(Debug, Clone, PartialEq)]
enum Json {
    Number(f64),
    Text(String),
    List(Vec<Json>),
    Object(Vec<(String, Json)>),
}

impl Json {
    fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Object(fields) => fields.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    fn number(&self) -> Option<f64> {
        match self {
            Json::Number(n) => Some(*n),
            _ => None,
        }
    }
}

fn parse_json(text: &str) -> Result<Json, String> {
    let bytes = text.as_bytes();
    let mut at = 0;
    let value = parse_value(bytes, &mut at)?;
    skip_space(bytes, &mut at);
    if at == bytes.len() {
        Ok(value)
    } else {
        Err(format!("trailing characters at {at}"))
    }
}

fn skip_space(bytes: &[u8], at: &mut usize) {
    while *at < bytes.len() && bytes[*at].is_ascii_whitespace() {
        *at += 1;
    }
}

fn expect(bytes: &[u8], at: &mut usize, byte: u8) -> Result<(), String> {
    skip_space(bytes, at);
    if bytes.get(*at) == Some(&byte) {
        *at += 1;
        Ok(())
    } else {
        Err(format!("expected '{}' at {at}", byte as char))
    }
}

fn parse_value(bytes: &[u8], at: &mut usize) -> Result<Json, String> {
    skip_space(bytes, at);
    match bytes.get(*at) {
        Some(b'{') => {
            *at += 1;
            let mut fields = Vec::new();
            skip_space(bytes, at);
            if bytes.get(*at) == Some(&b'}') {
                *at += 1;
                return Ok(Json::Object(fields));
            }
            loop {
                skip_space(bytes, at);
                let Json::Text(key) = parse_value(bytes, at)? else {
                    return Err(format!("key expected at {at}"));
                };
                expect(bytes, at, b':')?;
                fields.push((key, parse_value(bytes, at)?));
                skip_space(bytes, at);
                match bytes.get(*at) {
                    Some(b',') => *at += 1,
                    Some(b'}') => {
                        *at += 1;
                        return Ok(Json::Object(fields));
                    }
                    _ => return Err(format!("',' or '}}' expected at {at}")),
                }
            }
        }
        Some(b'[') => {
            *at += 1;
            let mut items = Vec::new();
            skip_space(bytes, at);
            if bytes.get(*at) == Some(&b']') {
                *at += 1;
                return Ok(Json::List(items));
            }
            loop {
                items.push(parse_value(bytes, at)?);
                skip_space(bytes, at);
                match bytes.get(*at) {
                    Some(b',') => *at += 1,
                    Some(b']') => {
                        *at += 1;
                        return Ok(Json::List(items));
                    }
                    _ => return Err(format!("',' or ']' expected at {at}")),
                }
            }
        }
        Some(b'"') => {
            *at += 1;
            let mut text = Vec::new();
            while let Some(&byte) = bytes.get(*at) {
                *at += 1;
                match byte {
                    b'"' => return String::from_utf8(text).map(Json::Text).map_err(|e| e.to_string()),
                    b'\\' if bytes.get(*at) == Some(&b'"') => {
                        text.push(b'"');
                        *at += 1;
                    }
                    b'\\' => return Err(format!("unsupported escape at {at}")),
                    _ => text.push(byte),
                }
            }
            Err("unterminated string".into())
        }
        _ => {
            let start = *at;
            while *at < bytes.len() && (bytes[*at].is_ascii_digit() || b"+-.eE".contains(&bytes[*at])) {
                *at += 1;
            }
            let token = std::str::from_utf8(&bytes[start..*at]).unwrap();
            token.parse().map(Json::Number).map_err(|_| format!("bad value at {start}"))
        }
    }
}

#[test]
fn the_json_reader_rejects_broken_text() {
    assert!(parse_json("{\"a\":[1,2.5e1],\"b\":\"x\\\"y\"}").is_ok());
    assert!(parse_json("{\"a\":[1,2}").is_err());
    assert!(parse_json("{\"a\":1} x").is_err());
}

/// A format check of the committed file (its figures are checked against a rerun above): it
/// parses, has the three rows with `[mean, sd]` percentages for each arm and a recipe, and its
/// 100-label row puts pretraining ahead, as the page says.
#[test]
fn the_shipped_table_is_well_formed_with_three_rows() {
    let text = std::fs::read_to_string("www/weights/pretraining-table.json").unwrap();
    let table = parse_json(&text).unwrap();
    let Some(Json::List(rows)) = table.get("rows") else { panic!("no rows in {text}") };
    let labels: Vec<f64> = rows.iter().map(|r| r.get("labels").and_then(Json::number).unwrap()).collect();
    assert_eq!(labels, vec![100.0, 1000.0, 60000.0]);
    for row in rows {
        let cell = |key: &str| -> (f64, f64) {
            let Some(Json::List(pair)) = row.get(key) else { panic!("no {key} in {row:?}") };
            let values: Vec<f64> = pair.iter().map(|v| v.number().unwrap()).collect();
            assert_eq!(values.len(), 2, "{key}: [mean, sd]");
            assert!((0.0..=100.0).contains(&values[0]) && values[1] >= 0.0, "{key}: {values:?}");
            (values[0], values[1])
        };
        let (pretrained, random, relu) = (cell("pretrained"), cell("random"), cell("relu_adam"));
        println!(
            "N = {:?}: pretrained {pretrained:?}, random {random:?}, ReLU + Adam {relu:?}",
            row.get("labels").and_then(Json::number).unwrap()
        );
    }
    let first = &rows[0];
    let mean = |key: &str| match first.get(key) {
        Some(Json::List(pair)) => pair[0].number().unwrap(),
        _ => unreachable!(),
    };
    assert!(mean("pretrained") > mean("random"), "the table's 100-label row: pretrained ahead");
    assert!(matches!(table.get("recipe"), Some(Json::Text(_))));
}
