//! JSON templates into the located value tree. A small hand-written scanner
//! rather than serde_json, because every value must keep its line.

use super::value::{Entry, Kind, Loaded, Value};

/// Nesting deeper than this is refused (see the YAML loader).
const MAX_DEPTH: usize = 256;

struct Scanner<'a> {
    bytes: &'a [u8],
    text: &'a str,
    pos: usize,
    line: u32,
}

type Scan<T> = Result<T, (u32, String)>;

impl Scanner<'_> {
    fn error<T>(&self, message: impl Into<String>) -> Scan<T> {
        Err((self.line, message.into()))
    }

    fn skip_whitespace(&mut self) {
        while let Some(&b) = self.bytes.get(self.pos) {
            match b {
                b'\n' => self.line += 1,
                b' ' | b'\t' | b'\r' => {}
                _ => return,
            }
            self.pos += 1;
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.skip_whitespace();
        self.bytes.get(self.pos).copied()
    }

    fn expect(&mut self, byte: u8) -> Scan<()> {
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            self.unexpected(&format!("`{}`", byte as char))
        }
    }

    fn unexpected<T>(&self, wanted: &str) -> Scan<T> {
        match self
            .text
            .get(self.pos..)
            .and_then(|rest| rest.chars().next())
        {
            Some(c) => self.error(format!("expected {wanted}, found `{c}`")),
            None => self.error(format!("expected {wanted}, found end of file")),
        }
    }

    fn value(&mut self, depth: usize) -> Scan<Value> {
        if depth > MAX_DEPTH {
            return self.error(format!("nesting deeper than {MAX_DEPTH}"));
        }
        let Some(b) = self.peek() else {
            return self.unexpected("a value");
        };
        let line = self.line;
        let kind = match b {
            b'{' => {
                self.pos += 1;
                let mut entries: Vec<Entry> = Vec::new();
                if self.peek() == Some(b'}') {
                    self.pos += 1;
                } else {
                    loop {
                        if self.peek() != Some(b'"') {
                            return self.unexpected("a string key");
                        }
                        let key_line = self.line;
                        let key = self.string()?;
                        self.expect(b':')?;
                        let value = self.value(depth + 1)?;
                        entries.retain(|entry| entry.key != key);
                        entries.push(Entry {
                            key,
                            line: key_line,
                            value,
                        });
                        match self.peek() {
                            Some(b',') => self.pos += 1,
                            Some(b'}') => {
                                self.pos += 1;
                                break;
                            }
                            _ => return self.unexpected("`,` or `}`"),
                        }
                    }
                }
                Kind::Map(entries)
            }
            b'[' => {
                self.pos += 1;
                let mut items = Vec::new();
                if self.peek() == Some(b']') {
                    self.pos += 1;
                } else {
                    loop {
                        items.push(self.value(depth + 1)?);
                        match self.peek() {
                            Some(b',') => self.pos += 1,
                            Some(b']') => {
                                self.pos += 1;
                                break;
                            }
                            _ => return self.unexpected("`,` or `]`"),
                        }
                    }
                }
                Kind::Seq(items)
            }
            b'"' => Kind::String(self.string()?),
            b't' => self.word("true", Kind::Bool(true))?,
            b'f' => self.word("false", Kind::Bool(false))?,
            b'n' => self.word("null", Kind::Null)?,
            b'-' | b'0'..=b'9' => self.number()?,
            _ => return self.unexpected("a value"),
        };
        Ok(Value::new(line, kind))
    }

    fn word(&mut self, word: &str, kind: Kind) -> Scan<Kind> {
        if self.bytes[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(kind)
        } else {
            self.unexpected("a value")
        }
    }

    fn number(&mut self) -> Scan<Kind> {
        let start = self.pos;
        while let Some(&b) = self.bytes.get(self.pos) {
            if b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E') {
                self.pos += 1;
            } else {
                break;
            }
        }
        let text = self.text.get(start..self.pos).unwrap_or_default();
        if text.parse::<f64>().is_err() {
            return self.error(format!("invalid number `{text}`"));
        }
        Ok(Kind::Number(text.to_owned()))
    }

    fn string(&mut self) -> Scan<String> {
        self.pos += 1; // the opening quote
        let mut out = String::new();
        loop {
            let start = self.pos;
            while let Some(&b) = self.bytes.get(self.pos) {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            out.push_str(self.text.get(start..self.pos).unwrap_or_default());
            match self.bytes.get(self.pos) {
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.pos += 1;
                    let Some(&escape) = self.bytes.get(self.pos) else {
                        return self.error("unterminated string");
                    };
                    self.pos += 1;
                    match escape {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => out.push(self.unicode_escape()?),
                        _ => return self.error("invalid escape in string"),
                    }
                }
                Some(b'\n') | None => return self.error("unterminated string"),
                Some(_) => return self.error("control character in string"),
            }
        }
    }

    fn hex4(&mut self) -> Scan<u32> {
        let digits = self.text.get(self.pos..self.pos + 4);
        match digits.and_then(|d| u32::from_str_radix(d, 16).ok()) {
            Some(code) => {
                self.pos += 4;
                Ok(code)
            }
            None => self.error("invalid \\u escape"),
        }
    }

    fn unicode_escape(&mut self) -> Scan<char> {
        let high = self.hex4()?;
        let paired = self
            .text
            .get(self.pos..)
            .is_some_and(|rest| rest.starts_with("\\u"));
        let code = if (0xD800..0xDC00).contains(&high) && paired {
            self.pos += 2;
            let low = self.hex4()?;
            0x10000 + ((high - 0xD800) << 10) + (low.wrapping_sub(0xDC00) & 0x3FF)
        } else {
            high
        };
        Ok(char::from_u32(code).unwrap_or('\u{FFFD}'))
    }
}

/// Loads a JSON text.
pub(crate) fn load(text: &str) -> Loaded {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut scanner = Scanner {
        bytes: text.as_bytes(),
        text,
        pos: 0,
        line: 1,
    };
    let result = scanner.value(0).and_then(|value| match scanner.peek() {
        None => Ok(value),
        Some(_) => scanner.unexpected("end of file"),
    });
    match result {
        Ok(value) => Loaded {
            root: Some(value),
            problems: Vec::new(),
        },
        Err((line, message)) => Loaded {
            root: None,
            problems: vec![(Some(line), true, format!("malformed JSON: {message}"))],
        },
    }
}
