//! Retrains the shipped weights natively: one subcommand per model, each with its recipe's
//! defaults (`train <model> --help`), and `train all` for every shipped file in dependency order.
//! `cargo run --release --bin train -- <model> [flags]` (or `scripts/lab train …`).

// Native only: `wasm-pack test` builds every binary for wasm too, where this one is empty.
#[cfg(not(target_arch = "wasm32"))]
mod cli;

#[cfg(not(target_arch = "wasm32"))]
fn main() -> latent_lab::training::Result {
    cli::main()
}

#[cfg(target_arch = "wasm32")]
fn main() {}
