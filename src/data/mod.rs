pub mod draw;
pub mod mnist;
pub mod noise;
pub mod picture;
pub mod text;

use std::borrow::Cow;
use std::io::Read;

use crate::error::FileError;
use crate::message::Message;

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// A carried data file's bytes, inflated when gzip'd (by its magic number), as they are
/// otherwise. `file` names it in the error of a damaged stream.
pub(crate) fn inflate<'a>(bytes: &'a [u8], file: &str) -> Result<Cow<'a, [u8]>, FileError> {
    if !bytes.starts_with(&GZIP_MAGIC) {
        return Ok(Cow::Borrowed(bytes));
    }
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .map_err(|e| FileError::new(file, Message::new("file.gzip-damaged").text("detail", e.to_string())))?;
    Ok(Cow::Owned(out))
}
