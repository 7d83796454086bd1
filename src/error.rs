use std::fmt;

use crate::message::Message;

/// A file (data or weights) that could not be used; the error always names the file, so the
/// page can say which download to retry or which asset is damaged. The reason is a key of the
/// page's string tables with its arguments (`file.*` in www/i18n/en.js and zh.js), so that the
/// page words it in its own language; `Display` words it in English (native tools and tests).
#[derive(Debug, Clone, PartialEq)]
pub struct FileError {
    pub file: String,
    pub reason: Message,
}

impl FileError {
    pub fn new(file: &str, reason: impl Into<Message>) -> Self {
        Self { file: file.to_string(), reason: reason.into() }
    }

    /// The whole error as one message, `{file}: {reason}`, for the page.
    pub fn message(&self) -> Message {
        Message::new("file.error").text("file", self.file.clone()).message("reason", self.reason.clone())
    }
}

/// A reason as a library or the system words it (an I/O error of the native tools, the trainers'
/// checkpoints), shown as it came. Files a visitor's page reads give a `file.*` key instead.
impl From<String> for Message {
    fn from(detail: String) -> Self {
        Message::new("file.detail").text("detail", detail)
    }
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.file, self.reason.english())
    }
}

/// Natively, a `std::error::Error` (the tools gather errors as `Box<dyn Error>`). In wasm it is
/// not one, so that wasm-bindgen's blanket conversion (`JsError` from any error, by its English
/// text) cannot apply: src/web's own `From<FileError> for JsError` carries the key to the page.
#[cfg(not(target_arch = "wasm32"))]
impl std::error::Error for FileError {}
