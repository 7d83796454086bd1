pub mod draw;
pub mod mnist;
pub mod noise;
pub mod text;
