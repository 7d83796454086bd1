//! The auto-encoder for CNNs of lecture 16: one convolutional encoder (conv → max-pool → conv →
//! max-pool) and three decoders trained jointly with it, which differ in how they undo the
//! pooling: max-unpooling with the encoder's switches (each value goes back where its max came
//! from, zeros elsewhere), repeat-unpooling (each value over its whole 2×2 block, as Keras's
//! `UpSampling2D`), and transposed convolutions of stride 2 — which are plain convolutions over a
//! zero-inserted, padded input ([`deconv_as_conv`]).

use burn::config::Config;
use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig, ConvTranspose2d, ConvTranspose2dConfig};
use burn::nn::PaddingConfig2d;
use burn::tensor::activation::{relu, sigmoid};
use burn::tensor::module::{conv2d, max_pool2d_with_indices};
use burn::tensor::ops::{ConvOptions, MaxPoolOptions, PadMode};
use burn::tensor::{Device, IndexingUpdateOp, Int, Tensor};
use rand::rngs::SmallRng;
use rand::SeedableRng;

use crate::data::mnist::{Mnist, SIDE};
use crate::models::autoencoder::{per_image_error, reconstruction_error};
use crate::models::learner::{random_indices, Learner};

/// The decoders, in the order of [`ConvAutoencoder::reconstruct`]'s outputs.
pub const DECODERS: [&str; 3] = ["unpool-switch", "unpool-repeat", "deconv"];

/// Every pooling is 2×2 with stride 2, so every unpooling doubles the side.
const POOL: usize = 2;

/// Puts each of `values` (`[b, c, h, w]`, a max-pool's output) back at the position its max came
/// from in the `out_size` plane, given by `switches` (the pool's indices into each channel's
/// row-major H·W plane); every other position is 0. A scatter into zeros, so autodiff's backward
/// is the matching gather: the gradient reaches each value from its switch position only.
pub fn max_unpool2d(values: Tensor<4>, switches: Tensor<4, Int>, out_size: [usize; 2]) -> Tensor<4> {
    let [batch, channels, height, width] = values.dims();
    let [out_height, out_width] = out_size;
    let plane = height * width;
    Tensor::<3>::zeros([batch, channels, out_height * out_width], &values.device())
        .scatter(
            2,
            switches.reshape([batch, channels, plane]),
            values.reshape([batch, channels, plane]),
            IndexingUpdateOp::Add,
        )
        .reshape([batch, channels, out_height, out_width])
}

/// Repeats each value of `values` (`[b, c, h, w]`) over a `factor`×`factor` block:
/// `[b, c, h·factor, w·factor]`.
pub fn repeat_unpool2d(values: Tensor<4>, factor: usize) -> Tensor<4> {
    let [batch, channels, height, width] = values.dims();
    values
        .reshape([batch, channels, height, 1, width, 1])
        .expand([batch, channels, height, factor, width, factor])
        .reshape([batch, channels, height * factor, width * factor])
}

/// The input a transposed convolution of `stride` and `padding` with a `kernel`-wide kernel
/// amounts to convolving: `stride − 1` zeros between neighbouring pixels, then `kernel − 1 −
/// padding` zeros around the border. Shown by the page as "what the deconvolution sees".
pub fn zero_insert_and_pad(input: Tensor<4>, stride: usize, kernel: usize, padding: usize) -> Tensor<4> {
    assert!(padding < kernel, "padding {padding} must be smaller than the kernel {kernel}");
    let [batch, channels, height, width] = input.dims();
    let device = input.device();
    let spread = if stride > 1 {
        // Each pixel followed by stride − 1 zeros in both axes, then the trailing zeros dropped.
        let x = input.reshape([batch, channels, height, 1, width, 1]);
        let x =
            Tensor::cat(vec![x, Tensor::zeros([batch, channels, height, stride - 1, width, 1], &device)], 3);
        let x = Tensor::cat(
            vec![x, Tensor::zeros([batch, channels, height, stride, width, stride - 1], &device)],
            5,
        );
        x.reshape([batch, channels, height * stride, width * stride]).slice([
            0..batch,
            0..channels,
            0..(height - 1) * stride + 1,
            0..(width - 1) * stride + 1,
        ])
    } else {
        input
    };
    let border = kernel - 1 - padding;
    spread.pad([(border, border), (border, border)], PadMode::Constant(0.0))
}

/// The transposed convolution written as a plain convolution: zero-insert (stride − 1 zeros
/// between pixels), pad by kernel − 1 − padding, and convolve (stride 1) with the kernel flipped
/// in both axes and its in/out channels swapped. `weight` is laid out as `ConvTranspose2d`'s:
/// `[in, out, k, k]`. Equals `conv_transpose2d` with no output padding, dilation 1, one group.
pub fn deconv_as_conv(
    input: Tensor<4>,
    weight: Tensor<4>,
    bias: Option<Tensor<1>>,
    stride: usize,
    padding: usize,
) -> Tensor<4> {
    let [_, _, kernel, kernel_width] = weight.dims();
    assert_eq!(kernel, kernel_width, "square kernels only");
    let conv_weight = weight.swap_dims(0, 1).flip([2, 3]);
    conv2d(
        zero_insert_and_pad(input, stride, kernel, padding),
        conv_weight,
        bias,
        ConvOptions::new([1, 1], [0, 0], [1, 1], 1),
    )
}

/// Shapes: the encoder is conv 3×3 1→`channels[0]`, ReLU, max-pool 2 (28 → 14), conv 3×3
/// `channels[0]`→`channels[1]`, ReLU, max-pool 2 (14 → 7): a `channels[1]`×7×7 code. Each
/// decoder mirrors it. `new()` is the shipped shape: a 4×7×7 code (196 numbers for 784 pixels),
/// 3,511 parameters — encoder 740, each unpooling decoder 737, the deconv decoder 1,297 (its 4×4
/// kernels: an even side so that stride 2 exactly doubles the side without output padding).
#[derive(Config, Debug)]
pub struct ConvAutoencoderConfig {
    #[config(default = "[16, 4]")]
    pub channels: [usize; 2],
    /// Side of the transposed convolutions' kernels (even: with stride 2 and padding
    /// kernel/2 − 1 each exactly doubles the side).
    #[config(default = 4)]
    pub deconv_kernel: usize,
}

impl ConvAutoencoderConfig {
    pub fn init(&self, device: &Device) -> ConvAutoencoder {
        assert!(
            self.deconv_kernel >= 2 && self.deconv_kernel.is_multiple_of(2),
            "deconv kernel must be even"
        );
        let [wide, code] = self.channels;
        let conv3 = |i, o| {
            Conv2dConfig::new([i, o], [3, 3]).with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1)).init(device)
        };
        let unpool_decoder = || UnpoolDecoder { conv_mid: conv3(code, wide), conv_out: conv3(wide, 1) };
        let k = self.deconv_kernel;
        let deconv = |i, o| {
            ConvTranspose2dConfig::new([i, o], [k, k])
                .with_stride([POOL, POOL])
                .with_padding([k / 2 - 1, k / 2 - 1])
                .init(device)
        };
        ConvAutoencoder {
            conv1: conv3(1, wide),
            conv2: conv3(wide, code),
            switch_decoder: unpool_decoder(),
            repeat_decoder: unpool_decoder(),
            deconv_decoder: DeconvDecoder { deconv_mid: deconv(code, wide), deconv_out: deconv(wide, 1) },
        }
    }
}

/// Unpooling 7 → 14, conv 3×3 to the encoder's first width, ReLU, unpooling 14 → 28, conv 3×3 to
/// one channel: the switch and the repeat decoder share this shape.
#[derive(Module, Debug)]
pub struct UnpoolDecoder {
    conv_mid: Conv2d,
    conv_out: Conv2d,
}

/// Two transposed convolutions of stride 2 (7 → 14 → 28), ReLU between them.
#[derive(Module, Debug)]
pub struct DeconvDecoder {
    deconv_mid: ConvTranspose2d,
    deconv_out: ConvTranspose2d,
}

#[derive(Module, Debug)]
pub struct ConvAutoencoder {
    conv1: Conv2d,
    conv2: Conv2d,
    switch_decoder: UnpoolDecoder,
    repeat_decoder: UnpoolDecoder,
    deconv_decoder: DeconvDecoder,
}

/// What the encoder passes on: the code, and where each pooled max came from (the decoders that
/// do not use the switches ignore them).
pub struct Encoding {
    /// `[b, channels[1], 7, 7]`.
    pub code: Tensor<4>,
    /// The first pool's switches, `[b, channels[0], 14, 14]`, indices into 28×28 planes.
    pub switches_28: Tensor<4, Int>,
    /// The second pool's switches, `[b, channels[1], 7, 7]`, indices into 14×14 planes.
    pub switches_14: Tensor<4, Int>,
}

impl ConvAutoencoder {
    /// `[b, 784]` in [0, 1] → the code and the pools' switches.
    pub fn encode(&self, images: Tensor<2>) -> Encoding {
        let batch = images.dims()[0];
        let pool = |x| max_pool2d_with_indices(x, MaxPoolOptions::new([POOL, POOL]));
        let x = images.reshape([batch, 1, SIDE, SIDE]);
        let (x, switches_28) = pool(relu(self.conv1.forward(x)));
        let (code, switches_14) = pool(relu(self.conv2.forward(x)));
        Encoding { code, switches_28, switches_14 }
    }

    /// The three decoders' outputs before the sigmoid, `[b, 1, 28, 28]` each, in [`DECODERS`]
    /// order.
    fn decode_logits(&self, encoding: Encoding) -> [Tensor<4>; 3] {
        let code = encoding.code.clone();
        let [_, [switch, repeat]] = self.unpool_stages(encoding);
        let deconv = {
            let x = relu(self.deconv_decoder.deconv_mid.forward(code));
            self.deconv_decoder.deconv_out.forward(x)
        };
        [self.switch_decoder.conv_out.forward(switch), self.repeat_decoder.conv_out.forward(repeat), deconv]
    }

    /// The switch and the repeat decoder up to their last unpooling: the maps right after the
    /// first (7 → 14, `[b, channels[1], 14, 14]`) and after the second (14 → 28, `[b,
    /// channels[0], 28, 28]`), each as [switch, repeat].
    fn unpool_stages(&self, encoding: Encoding) -> [[Tensor<4>; 2]; 2] {
        let Encoding { code, switches_28, switches_14 } = encoding;
        let half = SIDE / POOL;
        let first = [max_unpool2d(code.clone(), switches_14, [half, half]), repeat_unpool2d(code, POOL)];
        let [switch, repeat] = first.clone();
        let second = [
            max_unpool2d(relu(self.switch_decoder.conv_mid.forward(switch)), switches_28, [SIDE, SIDE]),
            repeat_unpool2d(relu(self.repeat_decoder.conv_mid.forward(repeat)), POOL),
        ];
        [first, second]
    }

    /// `[b, 784]` in [0, 1] → three `[b, 784]` reconstructions in (0, 1), in [`DECODERS`] order.
    pub fn reconstruct(&self, images: Tensor<2>) -> [Tensor<2>; 3] {
        let batch = images.dims()[0];
        self.decode_logits(self.encode(images)).map(|logits| sigmoid(logits).reshape([batch, SIDE * SIDE]))
    }

    /// The feature maps right after the first unpooling (7×7 → 14×14) of the switch and of the
    /// repeat decoder, for display: `[b, channels[1], 14, 14]` each. The switch version is 0 at
    /// three of every four positions; the repeat version is constant over each 2×2 block.
    pub fn unpooled_maps(&self, images: Tensor<2>) -> [Tensor<4>; 2] {
        let [first, _] = self.unpool_stages(self.encode(images));
        first
    }

    /// The same right after the second unpooling (14×14 → 28×28): `[b, channels[0], 28, 28]`.
    pub fn second_unpooled_maps(&self, images: Tensor<2>) -> [Tensor<4>; 2] {
        let [_, second] = self.unpool_stages(self.encode(images));
        second
    }

    /// The deconv decoder's first transposed convolution applied to the code of `images`, as
    /// (the layer's own output, [`deconv_as_conv`] with the layer's weights): equal up to
    /// rounding, `[b, channels[0], 14, 14]` each.
    pub fn deconv_check(&self, images: Tensor<2>) -> (Tensor<4>, Tensor<4>) {
        let code = self.encode(images).code;
        let layer = &self.deconv_decoder.deconv_mid;
        let as_conv = deconv_as_conv(
            code.clone(),
            layer.weight.val(),
            layer.bias.as_ref().map(|b| b.val()),
            layer.stride[0],
            layer.padding[0],
        );
        (layer.forward(code), as_conv)
    }

    /// Each decoder's mean over `images` of the squared error summed over 784 pixels: `[3]`, in
    /// [`DECODERS`] order (not read back).
    pub fn errors(&self, images: Tensor<2>) -> Tensor<1> {
        let [switch, repeat, deconv] = self.reconstruct(images.clone());
        Tensor::cat(
            vec![
                per_image_error(switch, images.clone()).mean(),
                per_image_error(repeat, images.clone()).mean(),
                per_image_error(deconv, images).mean(),
            ],
            0,
        )
    }

    /// The code's channel count (`channels[1]`).
    pub fn code_channels(&self) -> usize {
        self.conv2.weight.dims()[0]
    }
}

#[derive(Config, Debug)]
pub struct ConvTrainingConfig {
    #[config(default = 64)]
    pub batch_size: usize,
    #[config(default = 2e-3)]
    pub learning_rate: f64,
    #[config(default = 0)]
    pub seed: u64,
}

/// One Adam step at a time on random mini-batches, all three decoders and the shared encoder
/// together: the trainer binary loops it, the page's worker calls it a few steps per message.
pub struct ConvAutoencoderTraining {
    learner: Learner<ConvAutoencoder>,
    config: ConvTrainingConfig,
    rng: SmallRng,
}

impl ConvAutoencoderTraining {
    /// Trains `model` (forked onto `device`, with gradients on).
    pub fn new(model: ConvAutoencoder, config: ConvTrainingConfig, device: &Device) -> Self {
        Self { learner: Learner::adam(model, device), rng: SmallRng::seed_from_u64(config.seed), config }
    }

    /// One optimiser step on a random batch of `data`. The loss is the sum of the three decoders'
    /// reconstruction errors (squared error summed over pixels, mean over the batch); the encoder
    /// gets all three gradients. Returns that sum, not yet read.
    pub fn step(&mut self, data: &Mnist) -> Tensor<1> {
        let indices = random_indices(&mut self.rng, self.config.batch_size, data.len());
        let images = data.batch(&indices, self.learner.device());
        let [switch, repeat, deconv] = self.learner.model().reconstruct(images.clone());
        let loss = reconstruction_error(switch, images.clone())
            + reconstruction_error(repeat, images.clone())
            + reconstruction_error(deconv, images);
        self.learner.update(&loss, self.config.learning_rate);
        loss.detach()
    }

    pub fn steps(&self) -> usize {
        self.learner.steps()
    }

    pub fn set_learning_rate(&mut self, learning_rate: f64) {
        self.config.learning_rate = learning_rate;
    }

    /// The current weights for inference (no gradient tracking).
    pub fn model(&self) -> ConvAutoencoder {
        self.learner.valid()
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::data::mnist::tests::synthetic;
    use burn::tensor::TensorData;

    fn read<const D: usize>(t: Tensor<D>) -> Vec<f32> {
        t.into_data().convert::<f32>().try_to_vec::<f32>().unwrap()
    }

    #[test]
    fn shapes_follow_the_config() {
        let device = Device::flex();
        let model = ConvAutoencoderConfig::new().with_channels([6, 3]).init(&device);
        let images = Tensor::<2>::ones([2, SIDE * SIDE], &device);
        let encoding = model.encode(images.clone());
        assert_eq!(encoding.code.dims(), [2, 3, 7, 7]);
        assert_eq!(encoding.switches_28.dims(), [2, 6, 14, 14]);
        assert_eq!(encoding.switches_14.dims(), [2, 3, 7, 7]);
        for out in model.reconstruct(images.clone()) {
            assert_eq!(out.dims(), [2, SIDE * SIDE]);
        }
        for maps in model.unpooled_maps(images.clone()) {
            assert_eq!(maps.dims(), [2, 3, 14, 14]);
        }
        let (layer, as_conv) = model.deconv_check(images.clone());
        assert_eq!(layer.dims(), [2, 6, 14, 14]);
        assert_eq!(as_conv.dims(), [2, 6, 14, 14]);
        assert_eq!(model.errors(images).dims(), [3]);
        assert_eq!(model.code_channels(), 3);
    }

    #[test]
    fn zero_insertion_spreads_pixels_and_pads() {
        let device = Device::flex();
        let x = Tensor::<4>::from_data(TensorData::new(vec![1.0f32, 2.0, 3.0, 4.0], [1, 1, 2, 2]), &device);
        // Stride 2: one zero between the pixels (3×3), then a border of 4 − 1 − 2 = 1 (5×5).
        let spread = zero_insert_and_pad(x, 2, 4, 2);
        assert_eq!(spread.dims(), [1, 1, 5, 5]);
        #[rustfmt::skip]
        let expected = vec![
            0.0, 0.0, 0.0, 0.0, 0.0,
            0.0, 1.0, 0.0, 2.0, 0.0,
            0.0, 0.0, 0.0, 0.0, 0.0,
            0.0, 3.0, 0.0, 4.0, 0.0,
            0.0, 0.0, 0.0, 0.0, 0.0,
        ];
        assert_eq!(read(spread), expected);
    }

    #[test]
    fn a_few_steps_lower_the_summed_loss() {
        let device = Device::flex();
        device.seed(5);
        let data = Mnist::parse(&synthetic(40), "synthetic").unwrap();
        let model = ConvAutoencoderConfig::new().with_channels([4, 2]).init(&device);
        // A high rate: the synthetic digits are nearly black, far from the sigmoid's 0.5 at start.
        let config = ConvTrainingConfig::new().with_batch_size(8).with_seed(1).with_learning_rate(2e-2);
        let mut training = ConvAutoencoderTraining::new(model, config, &device);
        let first: f32 = training.step(&data).into_scalar();
        let mut last = first;
        for _ in 0..30 {
            last = training.step(&data).into_scalar();
        }
        assert_eq!(training.steps(), 31);
        assert!(last < first * 0.5, "loss {first} → {last}");
    }
}
