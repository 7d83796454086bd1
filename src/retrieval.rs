//! Image search by nearest neighbours (lecture 16's "search by code"): the index holds each
//! training digit's code, its pixels and its code cut to bits (each number above or below its
//! mean over the index, after Krizhevsky & Hinton's binary codes); a query is compared with all
//! of them by squared Euclidean distance (for bits, the Hamming distance), and precision@k counts
//! how many of the k nearest share the query's label.

use burn::tensor::{Device, Tensor};

use crate::data::mnist::Mnist;

/// What a query is compared by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    Code,
    Pixels,
    BinaryCode,
}

pub const MEASURES: [Measure; 3] = [Measure::Code, Measure::Pixels, Measure::BinaryCode];

/// The training digits, ready to be searched: everything on the device.
#[derive(Debug, Clone)]
pub struct SearchIndex {
    pub codes: Tensor<2>,
    pub pixels: Tensor<2>,
    /// Each code number's mean over the index: the threshold of its bit.
    pub thresholds: Tensor<1>,
    pub bits: Tensor<2>,
    pub labels: Vec<u8>,
}

impl SearchIndex {
    /// `codes` (`[n, code]`) and `pixels` (`[n, 784]`) of the digits labelled `labels`.
    pub fn new(codes: Tensor<2>, pixels: Tensor<2>, labels: Vec<u8>) -> Self {
        let thresholds = codes.clone().mean_dim(0).squeeze_dim(0);
        let bits = binarise(codes.clone(), thresholds.clone());
        Self { codes, pixels, thresholds, bits, labels }
    }

    pub fn len(&self) -> usize {
        self.labels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// `[queries, n]` squared distances from each query to every indexed digit by `measure`.
    pub fn distances(&self, measure: Measure, codes: Tensor<2>, pixels: Tensor<2>) -> Tensor<2> {
        match measure {
            Measure::Code => squared_distances(codes, self.codes.clone()),
            Measure::Pixels => squared_distances(pixels, self.pixels.clone()),
            Measure::BinaryCode => {
                squared_distances(binarise(codes, self.thresholds.clone()), self.bits.clone())
            }
        }
    }
}

/// 1 where a code number is above its threshold, 0 elsewhere: `[n, code]`.
pub fn binarise(codes: Tensor<2>, thresholds: Tensor<1>) -> Tensor<2> {
    let [n, size] = codes.dims();
    codes.greater(thresholds.unsqueeze::<2>().expand([n, size])).float()
}

/// ‖a_i − b_j‖² for every row i of `a` (`[m, d]`) and j of `b` (`[n, d]`), as one product:
/// ‖a‖² − 2·a·bᵀ + ‖b‖², `[m, n]` (clamped at 0 against rounding).
pub fn squared_distances(a: Tensor<2>, b: Tensor<2>) -> Tensor<2> {
    let (m, n) = (a.dims()[0], b.dims()[0]);
    let a_norms = a.clone().powi_scalar(2).sum_dim(1).expand([m, n]);
    let b_norms = b.clone().powi_scalar(2).sum_dim(1).transpose().expand([m, n]);
    (a_norms + b_norms - a.matmul(b.transpose()) * 2.0).clamp_min(0.0)
}

/// For each row of `distances` (row-major, `columns` wide), the columns of its `k` smallest
/// values, nearest first; ties go to the lower column, so results never depend on the order the
/// selection happens to visit them.
pub fn nearest(distances: &[f32], columns: usize, k: usize) -> Vec<Vec<usize>> {
    let k = k.min(columns);
    distances
        .chunks_exact(columns)
        .map(|row| {
            let order = |a: &usize, b: &usize| row[*a].total_cmp(&row[*b]).then(a.cmp(b));
            let mut columns: Vec<usize> = (0..row.len()).collect();
            if k < columns.len() && k > 0 {
                columns.select_nth_unstable_by(k - 1, order);
            }
            columns.truncate(k);
            columns.sort_by(order);
            columns
        })
        .collect()
}

/// How many of each query's neighbours share its label, summed over the queries (divide by
/// queries·k for precision@k).
pub fn matches(neighbours: &[Vec<usize>], query_labels: &[u8], index_labels: &[u8]) -> usize {
    neighbours
        .iter()
        .zip(query_labels)
        .map(|(found, &label)| found.iter().filter(|&&i| index_labels[i] == label).count())
        .sum()
}

/// Precision@k of every measure for the digits of `queries` against `index` (native and tests:
/// reads back chunk by chunk). `encode` maps `[n, 784]` images to codes.
pub fn precision_at_k(
    index: &SearchIndex,
    queries: &Mnist,
    k: usize,
    device: &Device,
    encode: impl Fn(Tensor<2>) -> Tensor<2>,
) -> [f32; 3] {
    const CHUNK: usize = 250;
    let mut found = [0usize; 3];
    for start in (0..queries.len()).step_by(CHUNK) {
        let indices: Vec<usize> = (start..(start + CHUNK).min(queries.len())).collect();
        let pixels = queries.batch(&indices, device);
        let codes = encode(pixels.clone());
        let labels: Vec<u8> = indices.iter().map(|&i| queries.label(i)).collect();
        for (slot, measure) in MEASURES.into_iter().enumerate() {
            let distances: Vec<f32> = index
                .distances(measure, codes.clone(), pixels.clone())
                .into_data()
                .try_to_vec()
                .expect("f32 distances");
            found[slot] += matches(&nearest(&distances, index.len(), k), &labels, &index.labels);
        }
    }
    found.map(|f| f as f32 / (queries.len() * k).max(1) as f32)
}

/// Builds the index of all of `data` with `encode`, in chunks (native and tests).
pub fn build_index(data: &Mnist, device: &Device, encode: impl Fn(Tensor<2>) -> Tensor<2>) -> SearchIndex {
    let all: Vec<usize> = (0..data.len()).collect();
    let chunks: Vec<Tensor<2>> = all.chunks(1000).map(|c| encode(data.batch(c, device))).collect();
    SearchIndex::new(
        Tensor::cat(chunks, 0),
        data.batch(&all, device),
        all.iter().map(|&i| data.label(i)).collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::TensorData;

    #[test]
    fn distances_nearest_and_precision_agree_with_a_direct_count() {
        let device = Device::flex();
        let points = |v: Vec<f32>, n| Tensor::<2>::from_data(TensorData::new(v, [n, 2]), &device);
        let index = points(vec![0.0, 0.0, 1.0, 0.0, 5.0, 5.0, 0.0, 1.0], 4);
        let queries = points(vec![0.9, 0.1, 4.0, 4.0], 2);
        let d: Vec<f32> = squared_distances(queries, index).into_data().try_to_vec().unwrap();
        let expected = [0.82, 0.02, 40.82, 1.62, 32.0, 25.0, 2.0, 25.0];
        for (got, want) in d.iter().zip(expected) {
            assert!((got - want).abs() < 1e-4, "{d:?}");
        }
        let found = nearest(&d, 4, 2);
        assert_eq!(found, vec![vec![1, 0], vec![2, 1]]);
        // Ties go to the lower column.
        assert_eq!(nearest(&[1.0, 0.0, 0.0, 1.0], 4, 3), vec![vec![1, 2, 0]]);
        assert_eq!(matches(&found, &[7, 3], &[7, 7, 3, 1]), 3);
    }

    #[test]
    fn bits_split_each_code_number_at_its_mean() {
        let device = Device::flex();
        let codes =
            Tensor::<2>::from_data(TensorData::new(vec![0.0f32, 10.0, 2.0, 0.0, 4.0, 2.0], [3, 2]), &device);
        let index = SearchIndex::new(codes, Tensor::zeros([3, 4], &device), vec![0, 1, 2]);
        let bits: Vec<f32> = index.bits.into_data().try_to_vec().unwrap();
        assert_eq!(bits, vec![0.0, 1.0, 0.0, 0.0, 1.0, 0.0]);
    }
}
