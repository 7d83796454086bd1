//! `Mnist::parse` on any bytes (raw or gzip'd MNST files): never a panic; an error names the file.
#![no_main]

use latent_lab::data::mnist::{Mnist, PIXELS};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    match Mnist::parse(bytes, "fuzz.bin") {
        Ok(set) => {
            // Every image and label of a parsed file can be read.
            for index in 0..set.len() {
                assert!(set.label(index) <= 9);
                assert_eq!(set.image(index).len(), PIXELS);
            }
        }
        Err(error) => {
            assert_eq!(error.file, "fuzz.bin");
            assert!(error.to_string().starts_with("fuzz.bin: "));
        }
    }
});
