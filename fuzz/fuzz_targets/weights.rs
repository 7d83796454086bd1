//! `weights::load` on any bytes, into the shipped text PCA's shape (2 directions over the
//! 2,000-word bag: the cheapest shipped model to build): never a panic; an error names the file.
#![no_main]

use burn::tensor::Device;
use latent_lab::data::text::BAG_WORDS;
use latent_lab::models::pca::Pca;
use latent_lab::weights;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let device = Device::flex();
    match weights::load(Pca::zeros(2, BAG_WORDS, &device), bytes, "fuzz.bpk") {
        Ok(pca) => assert_eq!(pca.components(), 2),
        Err(error) => {
            assert_eq!(error.file, "fuzz.bpk");
            assert!(error.to_string().starts_with("fuzz.bpk: "));
        }
    }
});
