//! Principal component analysis, lecture 16's linear auto-encoder: the code is the projection of
//! the centred digit on the top principal components, the reconstruction adds them back up. Fitted
//! natively (the eigen-decomposition is nalgebra's) and shipped as a burn module, so the page
//! projects and rebuilds with the same tensors as the deep AE it is compared with.

use burn::module::{Module, Param};
use burn::tensor::{Device, Tensor};

/// Directions in the shipped `pca.bpk`: the page's components slider goes this far.
pub const SHIPPED_COMPONENTS: usize = 200;

#[derive(Module, Debug)]
pub struct Pca {
    /// The mean digit, `[784]`.
    mean: Param<Tensor<1>>,
    /// The principal directions as orthonormal rows, largest variance first: `[components, 784]`.
    components: Param<Tensor<2>>,
    /// The variance along each direction (the covariance's eigenvalues), `[components]`.
    variances: Param<Tensor<1>>,
}

impl Pca {
    /// An empty PCA of `components` directions over `input` pixels, for loading shipped weights.
    pub fn zeros(components: usize, input: usize, device: &Device) -> Self {
        Self {
            mean: Param::from_tensor(Tensor::zeros([input], device)),
            components: Param::from_tensor(Tensor::zeros([components, input], device)),
            variances: Param::from_tensor(Tensor::zeros([components], device)),
        }
    }

    /// How many directions are kept.
    pub fn components(&self) -> usize {
        self.components.dims()[0]
    }

    /// The first `k` directions as rows, `[k, 784]`.
    pub fn directions(&self, k: usize) -> Tensor<2> {
        self.components.val().slice([0..k.clamp(1, self.components())])
    }

    pub fn variances(&self) -> Tensor<1> {
        self.variances.val()
    }

    /// The images less the mean digit.
    pub fn centre(&self, images: Tensor<2>) -> Tensor<2> {
        let batch = images.dims()[0];
        images - self.mean.val().unsqueeze::<2>().expand([batch, self.mean.dims()[0]])
    }

    /// `[batch, 784]` → the coordinates on the first `k` directions, `[batch, k]`.
    pub fn encode(&self, images: Tensor<2>, k: usize) -> Tensor<2> {
        self.centre(images).matmul(self.directions(k).transpose())
    }

    /// `[batch, k]` coordinates → `[batch, 784]` images (not clamped: PCA's rebuild can leave [0, 1]).
    pub fn decode(&self, codes: Tensor<2>) -> Tensor<2> {
        let [batch, k] = codes.dims();
        codes.matmul(self.directions(k))
            + self.mean.val().unsqueeze::<2>().expand([batch, self.mean.dims()[0]])
    }

    /// The rebuild of `images` from their first `k` coordinates.
    pub fn reconstruct(&self, images: Tensor<2>, k: usize) -> Tensor<2> {
        self.decode(self.encode(images, k))
    }
}

/// Fits a PCA with `components` directions to `[n, pixels]` images: the mean, then the covariance
/// (with 1/n) as one product on the device, then its eigen-decomposition (native only).
#[cfg(not(target_arch = "wasm32"))]
pub fn fit(images: Tensor<2>, components: usize) -> Pca {
    let device = images.device();
    let [n, pixels] = images.dims();
    assert!(components <= pixels, "at most {pixels} components");
    let mean = images.clone().mean_dim(0);
    let centred = images - mean.clone().expand([n, pixels]);
    let covariance = centred.clone().transpose().matmul(centred) / n as f64;
    let values: Vec<f32> = covariance.into_data().try_to_vec().expect("f32 covariance");
    let matrix = nalgebra::DMatrix::from_iterator(pixels, pixels, values.iter().map(|&v| f64::from(v)));
    // Symmetrised: the f32 product is symmetric only up to rounding.
    let eigen = nalgebra::SymmetricEigen::new((&matrix + matrix.transpose()) * 0.5);
    let mut order: Vec<usize> = (0..pixels).collect();
    order.sort_by(|&a, &b| eigen.eigenvalues[b].total_cmp(&eigen.eigenvalues[a]));
    let order = &order[..components];
    let rows: Vec<f32> = order
        .iter()
        .flat_map(|&i| eigen.eigenvectors.column(i).iter().map(|&v| v as f32).collect::<Vec<_>>())
        .collect();
    // Rounding can leave the smallest eigenvalues a hair below zero.
    let variances: Vec<f32> = order.iter().map(|&i| eigen.eigenvalues[i].max(0.0) as f32).collect();
    Pca {
        mean: Param::from_tensor(mean.reshape([pixels])),
        components: Param::from_tensor(Tensor::from_data(
            burn::tensor::TensorData::new(rows, [components, pixels]),
            &device,
        )),
        variances: Param::from_tensor(Tensor::from_data(
            burn::tensor::TensorData::new(variances, [components]),
            &device,
        )),
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use burn::tensor::TensorData;

    /// Points on a tilted plane in 3-D plus a little noise: two strong directions, one weak.
    #[test]
    fn fit_finds_orthonormal_directions_and_rebuild_error_is_the_left_out_variance() {
        let device = Device::flex();
        device.seed(5);
        let n = 400;
        let latent = Tensor::<2>::random([n, 2], burn::tensor::Distribution::Normal(0.0, 1.0), &device);
        let basis =
            Tensor::<2>::from_data(TensorData::new(vec![3.0f32, 1.0, 0.5, -0.5, 2.0, 1.0], [2, 3]), &device);
        let noise = Tensor::<2>::random([n, 3], burn::tensor::Distribution::Normal(0.0, 0.1), &device);
        let images = latent.matmul(basis) + noise + 0.5;
        let pca = fit(images.clone(), 3);
        let gram: Vec<f32> =
            pca.directions(3).matmul(pca.directions(3).transpose()).into_data().try_to_vec().unwrap();
        for (i, g) in gram.iter().enumerate() {
            let expected = if i % 4 == 0 { 1.0 } else { 0.0 };
            assert!((g - expected).abs() < 1e-4, "gram[{i}] = {g}");
        }
        let variances: Vec<f32> = pca.variances().into_data().try_to_vec().unwrap();
        assert!(
            variances[0] >= variances[1] && variances[1] >= variances[2] && variances[2] < 0.05,
            "{variances:?}"
        );
        for k in 1..=3 {
            let residual = pca.reconstruct(images.clone(), k) - images.clone();
            let error: f32 = residual.powi_scalar(2).sum_dim(1).mean().into_scalar();
            let left_out: f32 = variances[k..].iter().sum();
            assert!(
                (error - left_out).abs() < 1e-3 * (1.0 + left_out),
                "k={k}: error {error}, left-out variance {left_out}"
            );
        }
    }
}
