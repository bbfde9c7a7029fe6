//! Opening runtime files: gzip is recognised by its magic bytes, not by
//! the file name, so a renamed `.json.gz` still reads.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

use flate2::read::MultiGzDecoder;

/// How much of a file is decompressed and read to recognise its format.
const SNIFF_BYTES: u64 = 64 * 1024;

/// Buffer size for reading: large enough that reads are not the cost.
const BUFFER_BYTES: usize = 256 * 1024;

/// Opens `path` for buffered reading, decompressing gzip (one member or
/// several concatenated, as `cat a.gz b.gz` makes) when the file starts
/// with the gzip magic bytes.
pub fn open(path: &Path) -> io::Result<Box<dyn BufRead + Send>> {
    let mut file = BufReader::with_capacity(BUFFER_BYTES, File::open(path)?);
    let gzip = file.fill_buf()?.starts_with(&[0x1f, 0x8b]);
    Ok(if gzip {
        Box::new(BufReader::with_capacity(
            BUFFER_BYTES,
            MultiGzDecoder::new(file),
        ))
    } else {
        Box::new(file)
    })
}

/// The first bytes of `path` (decompressed), as text.
pub(crate) fn sniff(path: &Path) -> Option<String> {
    let mut head = Vec::new();
    // A truncated gzip stream still gives its first bytes; the error is
    // for the reader to report.
    let _ = open(path).ok()?.take(SNIFF_BYTES).read_to_end(&mut head);
    (!head.is_empty()).then(|| String::from_utf8_lossy(&head).into_owned())
}

/// The message of an I/O error, lower-case as diagnostics are.
pub(crate) fn io_message(error: &io::Error) -> String {
    format!("cannot read file: {}", error.to_string().to_lowercase())
}

/// serde_json's message without its "at line X column Y" suffix (the line
/// is in the diagnostic already).
pub(crate) fn json_message(error: &serde_json::Error) -> String {
    let text = error.to_string();
    let text = text.split(" at line ").next().unwrap_or(&text);
    format!("invalid json: {}", text.to_lowercase())
}
