//! The `train` binary's command line: one subcommand per model (clap's derive API), each module
//! holding its recipe's flags and defaults and its training loop.

mod ae;
mod ae_lab;
mod all;
mod cae;
mod classifier;
mod conv_ae;
mod gan;
mod pixelrnn;
mod pretraining;
mod sentence_vae;
mod text_ae;
mod vae;

#[derive(clap::Parser)]
#[command(
    name = "train",
    about = "Retrains latent-lab's shipped weights (reads ../shared/data/mnist unless --data says)"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(clap::Subcommand)]
pub enum Command {
    /// Every shipped file with its recipe, the classifier first (the GAN's judge).
    All(all::Args),
    /// The MNIST classifier: the GAN's and the compare demo's judge → classifier.bpk.
    Classifier(classifier::Args),
    /// The auto-encoder demo's AE (784-256-128-32) → ae.bpk.
    Ae(ae::Args),
    /// The same net trained as a denoising AE → dae.bpk.
    Dae(ae::Args),
    /// The VAE lab: the 10-D and 2-D VAEs and the plain AE of the 10-D shape → vae10, vae2, ae10.
    Vae(vae::Args),
    /// A GAN judged by the classifier as it trains; writes only with --out (the shipped recipe:
    /// see --help).
    #[command(
        after_help = "The shipped gan.bpk (what `train all` runs): --iterations 40000 --halve-every 10000 \
                            --eval-every 2000 --out www/weights/gan.bpk (6 min 45 s on 2 cores). The page's time to \
                            digits: --data www/data/mnist_train_10k.bin.gz --eval-every 200 --until-digits."
    )]
    Gan(gan::Args),
    /// The auto-encoder lab: deep AE, 2-D AEs, PCA → deep-ae, ae2d, ae2d-l2, pca.
    AeLab(ae_lab::Args),
    /// The one-layer AEs of the variants page: plain, denoising, contractive → cae-*.bpk.
    Cae(cae::Args),
    /// The convolutional AE with its three decoders → conv-ae.bpk.
    ConvAe(conv_ae::Args),
    /// Greedy layer-wise pretraining and the few-labels table → pretrained-stack.bpk,
    /// pretraining-table.json.
    Pretraining(pretraining::Args),
    /// The text demo's retrieval AEs and PCA → text-ae, text-ae2d, text-pca.
    TextAe(text_ae::Args),
    /// The sentence VAE → sentence-vae.bpk.
    SentenceVae(sentence_vae::Args),
    /// The PixelRNN's three models (resumable) → pixelrnn-binary, -levels4, -regression.
    #[command(
        after_help = "The recipe, for every flag left out: Adam 1e-3, batch 32, seed 1; binary: 10,000 steps, \
                            the rate halving every 5,000; levels4 and regression: 900 steps at a constant rate; the \
                            shipped shapes. A checkpoint (model.bpk, optimizer.bpk, progress.json) every \
                            --every-minutes; --resume continues it to --steps as if the run had never stopped."
    )]
    Pixelrnn(pixelrnn::Args),
}

impl Command {
    pub fn run(self) -> latent_lab::training::Result {
        match self {
            Command::All(args) => all::run(args),
            Command::Classifier(args) => classifier::run(args),
            Command::Ae(args) => ae::run(ae::Kind::Plain, args),
            Command::Dae(args) => ae::run(ae::Kind::Denoising, args),
            Command::Vae(args) => vae::run(args),
            Command::Gan(args) => gan::run(args),
            Command::AeLab(args) => ae_lab::run(args),
            Command::Cae(args) => cae::run(args),
            Command::ConvAe(args) => conv_ae::run(args),
            Command::Pretraining(args) => pretraining::run(args),
            Command::TextAe(args) => text_ae::run(args),
            Command::SentenceVae(args) => sentence_vae::run(args),
            Command::Pixelrnn(args) => pixelrnn::run(args),
        }
    }
}

pub fn main() -> latent_lab::training::Result {
    use clap::Parser;
    Cli::parse().command.run()
}
