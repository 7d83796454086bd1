use std::fmt;

/// A file (data or weights) that could not be used; the message always names the file, so the
/// page can say which download to retry or which asset is damaged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileError {
    pub file: String,
    pub reason: String,
}

impl FileError {
    pub fn new(file: &str, reason: impl Into<String>) -> Self {
        Self { file: file.to_string(), reason: reason.into() }
    }
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.file, self.reason)
    }
}

impl std::error::Error for FileError {}
