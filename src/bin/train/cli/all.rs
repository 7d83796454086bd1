//! `train all`: every shipped file with its recipe, in an order that respects what each needs
//! (the classifier first: the GAN's trainer judges its samples with it).

use clap::Parser;
use latent_lab::training::{Result, DEFAULT_TRAIN_FILE};

use super::{gan, Cli};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Start at this part (e.g. after an interrupted run); the parts before it are skipped.
    #[arg(long, value_name = "PART")]
    from: Option<String>,
    /// Print the commands and run nothing.
    #[arg(long)]
    dry_run: bool,
    /// The training digits for every MNIST part.
    #[arg(long = "data", value_name = "FILE", default_value = DEFAULT_TRAIN_FILE)]
    data: String,
}

/// The parts of `train all` in order: each one `train` command line with the recipe's flags.
/// The PixelRNN's binary model is the longest (hours on 2 cores); it checkpoints every 5 minutes
/// and `train pixelrnn --model binary --resume` continues it.
pub fn parts() -> Vec<(&'static str, Vec<&'static str>)> {
    let mut gan_line = vec!["gan"];
    gan_line.extend_from_slice(gan::SHIPPED);
    vec![
        ("classifier", vec!["classifier"]),
        ("ae", vec!["ae"]),
        ("dae", vec!["dae"]),
        ("vae", vec!["vae"]),
        ("gan", gan_line),
        ("ae-lab", vec!["ae-lab"]),
        ("cae", vec!["cae"]),
        ("conv-ae", vec!["conv-ae"]),
        ("pretraining", vec!["pretraining"]),
        ("text-ae", vec!["text-ae"]),
        ("sentence-vae", vec!["sentence-vae"]),
        ("pixelrnn", vec!["pixelrnn"]),
    ]
}

/// The parts that read MNIST take `--data`.
const WITHOUT_DATA: [&str; 2] = ["text-ae", "sentence-vae"];

pub fn run(args: Args) -> Result {
    let parts = parts();
    let start = match &args.from {
        Some(from) => parts.iter().position(|(name, _)| name == from).ok_or_else(|| {
            let names: Vec<&str> = parts.iter().map(|(name, _)| *name).collect();
            format!("--from {from}: not a part of train all ({})", names.join(", "))
        })?,
        None => 0,
    };
    for (name, line) in &parts[start..] {
        let mut argv = vec!["train".to_string()];
        argv.extend(line.iter().map(|s| s.to_string()));
        if !WITHOUT_DATA.contains(name) {
            argv.extend(["--data".to_string(), args.data.clone()]);
        }
        println!("\n== train all: {}", argv.join(" "));
        if args.dry_run {
            continue;
        }
        Cli::try_parse_from(&argv)?.command.run()?;
    }
    Ok(())
}
