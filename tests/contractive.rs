//! Native tests of the contractive auto-encoder: the closed-form Jacobian penalty against finite
//! differences, a few training steps with λ > 0, and the shipped weights (the contractive AEs'
//! codes move less than the plain AE's when test digits are nudged). Every figure is printed.
#![cfg(not(target_arch = "wasm32"))]

use std::sync::Mutex;

use burn::module::{Module, ModuleMapper, Param};
use burn::tensor::{Device, Distribution, Tensor, TensorData};
use latent_lab::data::mnist::Mnist;
use latent_lab::figures::figure;
use latent_lab::models::contractive::{
    mean_code_shift, mean_jacobian_norm, shipped_variants, ContractiveConfig, ContractiveTraining,
    ContractiveTrainingConfig, Nudge, ShallowAutoencoder,
};
use latent_lab::weights;

/// Fresh weights come from burn's process-wide CPU RNG: tests that draw them hold this.
static RNG: Mutex<()> = Mutex::new(());

fn read<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().try_to_vec().unwrap()
}

#[test]
fn the_closed_form_penalty_equals_finite_differences_of_the_code() {
    const INPUT: usize = 6;
    const HIDDEN: usize = 4;
    const POINTS: usize = 5;
    // Central differences: truncation error ~ε²·|h'''|·|W|³/6 ≈ 1e-6 here, and f32 rounding of
    // codes near 0.5 (ulp 6e-8) divided by 2ε gives ~3e-6 per entry; entries are ~0.1, so a
    // relative tolerance of 1e-3 on ‖J‖² is far above the error and far below a wrong formula
    // (dropping the square on h(1−h), or summing W over the wrong axis, is off by ×4 or more).
    const EPSILON: f32 = 1e-2;
    let device = Device::flex();
    let (model, points) = RNG
        .lock()
        .map(|_| {
            device.seed(11);
            // Weights ×3 so that codes spread over the sigmoid's curve, not all near 0.5.
            let model = ContractiveConfig::new().with_input(INPUT).with_hidden(HIDDEN).init(&device);
            let points = Tensor::<2>::random([POINTS, INPUT], Distribution::Uniform(0.0, 1.0), &device);
            (model, points)
        })
        .unwrap();
    let model = scale_weights(model, 3.0);
    let analytic = read(model.jacobian_norm(points.clone()).powi_scalar(2));
    let x = read(points);
    for (p, expected) in analytic.iter().enumerate() {
        let base = &x[p * INPUT..(p + 1) * INPUT];
        // Rows: base + ε·e_i, then base − ε·e_i, for each input i.
        let mut probes = Vec::new();
        for sign in [1.0, -1.0] {
            for i in 0..INPUT {
                let mut probe = base.to_vec();
                probe[i] += sign * EPSILON;
                probes.extend(probe);
            }
        }
        let codes =
            read(model.encode(Tensor::from_data(TensorData::new(probes, [2 * INPUT, INPUT]), &device)));
        let (plus, minus) = codes.split_at(INPUT * HIDDEN);
        let numeric: f32 = plus.iter().zip(minus).map(|(a, b)| ((a - b) / (2.0 * EPSILON)).powi(2)).sum();
        println!("point {p}: ‖J‖²_F closed form {expected:.6}, finite differences {numeric:.6}");
        assert!((expected - numeric).abs() <= 1e-3 * numeric, "point {p}: {expected} vs {numeric}");
    }
}

/// `model` with every weight and bias multiplied by `factor`.
fn scale_weights(model: ShallowAutoencoder, factor: f32) -> ShallowAutoencoder {
    struct Scale(f32);
    impl ModuleMapper for Scale {
        fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
            let factor = self.0;
            param.map(|t| t * factor)
        }
    }
    model.map(&mut Scale(factor))
}

#[test]
fn a_few_steps_with_a_penalty_lower_the_loss() {
    let device = Device::flex();
    let data = Mnist::load("www/data/mnist_test.bin.gz").unwrap().first(500);
    let model = RNG
        .lock()
        .map(|_| {
            device.seed(12);
            ContractiveConfig::new().init(&device)
        })
        .unwrap();
    let config = ContractiveTrainingConfig::new().with_lambda(1.0).with_seed(3);
    let mut training = ContractiveTraining::new(model, config, &device);
    let first = read(training.step_terms(&data));
    let mut last = first.clone();
    for _ in 0..30 {
        last = read(training.step_terms(&data));
    }
    println!("λ = 1, 31 steps: [total, nats, penalty] {first:?} → {last:?}");
    assert_eq!(training.steps(), 31);
    assert!(last[2] > 0.0, "the penalty is in the loss");
    // Measured: 555.9 → 190.1.
    assert!(last[0] < 0.6 * first[0], "loss {} → {}", first[0], last[0]);
}

#[test]
fn the_contractive_codes_move_less_than_the_plain_codes() {
    let device = Device::flex();
    let test = Mnist::load("www/data/mnist_test.bin.gz").unwrap();
    let nudged_digits = test.first(1000);
    let mut rows = Vec::new();
    for variant in shipped_variants() {
        let fresh = RNG.lock().map(|_| ContractiveConfig::new().init(&device)).unwrap();
        let model = weights::load_file(fresh, format!("www/weights/{}.bpk", variant.name)).unwrap();
        let norm = mean_jacobian_norm(&model, &test, &device);
        let shifts = Nudge::ALL.map(|kind| mean_code_shift(&model, &nudged_digits, kind, &device));
        println!(
            "{:>15} ({}): mean test Jacobian norm {norm:.3}; mean code shift over 1000 test digits: shift {:.3}, thicken {:.3}, noise {:.3}",
            variant.name, variant.label, shifts[0], shifts[1], shifts[2]
        );
        let what =
            format!("{} ({}): mean ‖∂code/∂input‖_F over the 10k test digits", variant.name, variant.label);
        figure(
            &format!("{}.jacobian_norm", variant.name),
            &what,
            norm.into(),
            2,
            "cargo test --release --test contractive",
        );
        rows.push((variant, norm, shifts));
    }
    // Measured (10k test digits; code shifts over the first 1000): Jacobian norm plain 13.65,
    // denoising 2.47, λ = 0.1 2.69, λ = 1 1.68, λ = 3 1.23; noise shift 1.45 against 0.24, 0.23,
    // 0.16, 0.13. The bar: every contractive variant at most half the plain AE's norm (the
    // weakest is at a fifth), and the norm falling as λ grows.
    let (_, plain_norm, plain_shifts) = &rows[0];
    let contractive: Vec<_> = rows.iter().filter(|(v, ..)| v.lambda > 0.0).collect();
    assert!(!contractive.is_empty());
    for (variant, norm, shifts) in &contractive {
        assert!(*norm < 0.5 * plain_norm, "{}: Jacobian norm {norm} vs plain {plain_norm}", variant.name);
        // A contracting encoder moves less under the small, off-manifold nudge: noise.
        assert!(
            shifts[2] < plain_shifts[2],
            "{}: noise shift {} vs plain {}",
            variant.name,
            shifts[2],
            plain_shifts[2]
        );
    }
    for pair in contractive.windows(2) {
        assert!(pair[1].1 < pair[0].1, "{} should contract more than {}", pair[1].0.name, pair[0].0.name);
    }
}
