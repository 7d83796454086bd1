//! The files the page serves: the MNIST assets parse, and the shipped weights load and reach
//! their quality bars on the full 10k test set (bars set from measurement, with some margin:
//! 30 epochs on the 60k set measured AE 4.01, DAE gains 7.37 / 7.68 / 5.23 dB).
// Native only: their figures go through latent_lab::figures, which the wasm build leaves out.
#![cfg(not(target_arch = "wasm32"))]

use burn::tensor::Device;
use latent_lab::data::mnist::Mnist;
use latent_lab::figures::figure;
use latent_lab::models::autoencoder::{measure_quality, AutoencoderConfig};
use latent_lab::weights;

const AE_ERROR_BAR: f32 = 5.0;
/// Minimum PSNR gain of the DAE, per benchmark corruption, in dB.
const DAE_GAIN_BARS: [f32; 3] = [6.0, 6.0, 4.0];

#[test]
fn served_mnist_files_are_the_real_sets() {
    let test = Mnist::load("www/data/mnist_test.bin.gz").unwrap();
    assert_eq!(test.len(), 10_000);
    assert_eq!((0..5).map(|i| test.label(i)).collect::<Vec<_>>(), [7, 2, 1, 0, 4]);
    let train = Mnist::load("www/data/mnist_train_10k.bin.gz").unwrap();
    assert_eq!(train.len(), 10_000);
    assert_eq!((0..5).map(|i| train.label(i)).collect::<Vec<_>>(), [5, 0, 4, 1, 9]);
}

#[test]
fn shipped_weights_load_and_reach_their_bars() {
    let device = Device::flex();
    let config = AutoencoderConfig::shipped();
    let ae = weights::load_file(config.init(&device), "www/weights/ae.bpk").unwrap();
    let dae = weights::load_file(config.init(&device), "www/weights/dae.bpk").unwrap();
    let test = Mnist::load("www/data/mnist_test.bin.gz").unwrap();
    let quality = measure_quality(&ae, &dae, &test, &device);
    println!("AE: mean squared error per image {:.3} (sum over 784 pixels)", quality.ae_error);
    for (name, noisy, denoised) in &quality.dae_psnr {
        println!("DAE on {name}: PSNR {noisy:.2} → {denoised:.2} dB, gain {:.2} dB", denoised - noisy);
    }
    const COMMAND: &str = "cargo test --release --test shipped";
    figure(
        "ae.test_error",
        "AE: mean squared error per test digit (summed over 784 pixels in [0, 1])",
        quality.ae_error.into(),
        2,
        COMMAND,
    );
    for ((name, noisy, denoised), key) in quality.dae_psnr.iter().zip(["gaussian", "salt_pepper", "masking"])
    {
        let what = format!("DAE: PSNR gain on {name}, dB");
        figure(&format!("dae.psnr_gain.{key}"), &what, (denoised - noisy).into(), 2, COMMAND);
    }
    assert!(quality.ae_error < AE_ERROR_BAR, "AE error {}", quality.ae_error);
    for ((name, noisy, denoised), bar) in quality.dae_psnr.iter().zip(DAE_GAIN_BARS) {
        assert!(denoised - noisy > bar, "DAE gain on {name}: {}", denoised - noisy);
    }
}
