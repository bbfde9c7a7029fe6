//! A Python lexer that finds imports and definitions without building a
//! syntax tree, for the files that touch no infrastructure.
//!
//! Most files of a large tree only import things and define functions and
//! classes. For those, the import graph and the symbols are all the scan
//! needs, and a lexer finds them several times faster than tree-sitter
//! builds a tree. [`lex`] gives the same [`FileFacts`] the tree walker
//! gives (imports with their details and marks, symbols with their
//! qualified names and lines) and says whether the file needs the tree
//! after all: when it names anything the walker reads infrastructure use
//! from (see [`Lexed::needs_tree`]).
//!
//! It gives up (`None`, and the caller parses the file with tree-sitter)
//! on anything it does not understand or that Python's tokenizer would
//! reject: an unterminated string, an unbalanced bracket, a stray
//! character, an indented line without a header above it, a dedent to no
//! open level, an import or definition it cannot read, a compound
//! statement on a header's line. A syntax error the tokenizer would not see
//! (`x = = 1` in a file that touches no infrastructure) is not reported.

use super::walk::{
    FileFacts, HTTP_CLIENTS, HTTP_LIBRARIES, HTTP_VERBS, Import, KAFKA_CONSUMERS, KAFKA_LIBRARIES,
    KAFKA_PRODUCERS, REDIS_CLIENTS, SQL_METHODS, Symbol, imports_package,
};
use crate::code::starts_like_sql;

/// What the lexer found in one file.
pub(super) struct Lexed {
    /// Imports and symbols, as the tree walker gives them.
    pub(super) facts: FileFacts,
    /// Whether the file names something infrastructure use is read from:
    /// an environment read (`environ`, `getenv`), a boto3 client or
    /// resource made from a literal service name, an import of a Kafka,
    /// Redis or HTTP client library, or an SQL-looking string beside a
    /// method that runs SQL. Such a file is parsed with tree-sitter for its
    /// uses.
    pub(super) needs_tree: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Name,
    /// A string literal (any prefix, any quotes, f-strings whole).
    Str,
    Number,
    /// One punctuation byte (`:=` is [`Kind::Walrus`]).
    Op(u8),
    Walrus,
}

#[derive(Clone, Copy, Debug)]
struct Token {
    kind: Kind,
    start: usize,
    end: usize,
    line: u32,
}

/// A block a header opened: what it is and the header's indentation.
#[derive(Clone, Debug)]
struct Block {
    header_indent: usize,
    body_indent: usize,
    kind: BlockKind,
}

#[derive(Clone, Debug, PartialEq)]
enum BlockKind {
    Def(String),
    Class(String),
    TypeChecking,
    Other,
}

/// Lexes `source`; `None` when the file must be parsed with tree-sitter
/// to be read correctly (see the module docs).
pub(super) fn lex(source: &[u8]) -> Option<Lexed> {
    let mut lexer = Lexer {
        src: source,
        pos: 0,
        line: 1,
        depth: Vec::new(),
        tokens: Vec::new(),
        sql_string: false,
        field_trigger: false,
    };
    let mut reader = Reader {
        src: source,
        blocks: Vec::new(),
        pending: None,
        facts: FileFacts::default(),
        needs_tree: false,
        clues: 0,
    };
    if source.starts_with(b"\xEF\xBB\xBF") {
        lexer.pos = 3;
    }
    while let Some(indent) = lexer.logical_line()? {
        reader.line(indent, &lexer.tokens)?;
        lexer.tokens.clear();
    }
    if reader.pending.is_some() {
        // A header at the end of the file with no body.
        return None;
    }
    let imports = |libraries: &[&str]| {
        libraries
            .iter()
            .any(|library| imports_package(&reader.facts.imports, library))
    };
    let needs_tree = reader.needs_tree
        || lexer.field_trigger
        || (reader.seen(SQL_METHOD) && lexer.sql_string)
        || (reader.seen(HTTP_CLIENT) && imports(&HTTP_LIBRARIES))
        || (reader.seen(REDIS_CLIENT) && imports(&REDIS_LIBRARIES))
        || (reader.seen(KAFKA_CLIENT) && imports(&KAFKA_LIBRARIES));
    Some(Lexed {
        facts: reader.facts,
        needs_tree,
    })
}

struct Lexer<'a> {
    src: &'a [u8],
    pos: usize,
    line: u32,
    /// Open brackets.
    depth: Vec<u8>,
    tokens: Vec<Token>,
    /// Whether some string literal starts like an SQL statement.
    sql_string: bool,
    /// Whether an f-string's replacement field names a trigger.
    field_trigger: bool,
}

fn is_name_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b >= 0x80
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

impl Lexer<'_> {
    fn peek(&self, ahead: usize) -> u8 {
        self.src.get(self.pos + ahead).copied().unwrap_or(0)
    }

    /// Reads the next logical line into `tokens`; its indentation, `None`
    /// at the end of the file, or `Err`-like `None` in the outer option
    /// when the text is not what Python's tokenizer accepts.
    #[allow(clippy::option_option)]
    fn logical_line(&mut self) -> Option<Option<usize>> {
        loop {
            // At the start of a physical line: its indentation.
            let mut indent = 0usize;
            while self.pos < self.src.len() {
                match self.src[self.pos] {
                    b' ' => indent += 1,
                    b'\t' => indent += 8,
                    b'\x0c' => indent = 0,
                    _ => break,
                }
                self.pos += 1;
            }
            if self.pos >= self.src.len() {
                return Some(None);
            }
            match self.src[self.pos] {
                b'#' => {
                    self.skip_comment();
                    self.newline();
                }
                b'\n' | b'\r' => self.newline(),
                _ => {
                    self.rest_of_line()?;
                    return Some(Some(indent));
                }
            }
        }
    }

    fn skip_comment(&mut self) {
        while self.pos < self.src.len() && !matches!(self.src[self.pos], b'\n' | b'\r') {
            self.pos += 1;
        }
    }

    /// Consumes one line ending (`\n`, `\r\n` or `\r`), if there is one.
    fn newline(&mut self) {
        match self.peek(0) {
            b'\r' => {
                self.pos += 1;
                if self.peek(0) == b'\n' {
                    self.pos += 1;
                }
                self.line += 1;
            }
            b'\n' => {
                self.pos += 1;
                self.line += 1;
            }
            _ => {}
        }
    }

    /// Tokens up to the end of the logical line (brackets and backslashes
    /// join physical lines).
    fn rest_of_line(&mut self) -> Option<()> {
        while self.pos < self.src.len() {
            let b = self.src[self.pos];
            match b {
                b' ' | b'\t' | b'\x0c' => self.pos += 1,
                b'#' => self.skip_comment(),
                b'\n' | b'\r' => {
                    self.newline();
                    if self.depth.is_empty() {
                        return Some(());
                    }
                }
                b'\\' => {
                    self.pos += 1;
                    if !matches!(self.peek(0), b'\n' | b'\r') {
                        return None;
                    }
                    self.newline();
                }
                b'"' | b'\'' => {
                    let start = self.pos;
                    let line = self.line;
                    self.string(false)?;
                    self.push(Kind::Str, start, line);
                }
                b'0'..=b'9' => self.number()?,
                b'.' if self.peek(1).is_ascii_digit() => self.number()?,
                _ if is_name_start(b) => {
                    let start = self.pos;
                    while self.pos < self.src.len() && is_name_byte(self.src[self.pos]) {
                        self.pos += 1;
                    }
                    let quote = self.peek(0);
                    if matches!(quote, b'"' | b'\'')
                        && let Some(format) = string_prefix(&self.src[start..self.pos])
                    {
                        let line = self.line;
                        self.string(format)?;
                        self.push(Kind::Str, start, line);
                    } else {
                        self.tokens.push(Token {
                            kind: Kind::Name,
                            start,
                            end: self.pos,
                            line: self.line,
                        });
                    }
                }
                b'(' | b'[' | b'{' => {
                    self.depth.push(b);
                    self.op(b);
                }
                b')' | b']' | b'}' => {
                    let open = match b {
                        b')' => b'(',
                        b']' => b'[',
                        _ => b'{',
                    };
                    if self.depth.pop() != Some(open) {
                        return None;
                    }
                    self.op(b);
                }
                b':' if self.peek(1) == b'=' => {
                    let start = self.pos;
                    self.pos += 2;
                    self.tokens.push(Token {
                        kind: Kind::Walrus,
                        start,
                        end: self.pos,
                        line: self.line,
                    });
                }
                b'!' if self.peek(1) == b'=' => {
                    self.op(b);
                    self.pos += 1;
                }
                b'.' | b',' | b':' | b';' | b'@' | b'=' | b'+' | b'-' | b'*' | b'/' | b'%'
                | b'&' | b'|' | b'^' | b'~' | b'<' | b'>' => self.op(b),
                _ => return None,
            }
        }
        // The end of the file: a logical line must not be left open.
        if self.depth.is_empty() {
            Some(())
        } else {
            None
        }
    }

    fn op(&mut self, b: u8) {
        self.tokens.push(Token {
            kind: Kind::Op(b),
            start: self.pos,
            end: self.pos + 1,
            line: self.line,
        });
        self.pos += 1;
    }

    fn push(&mut self, kind: Kind, start: usize, line: u32) {
        self.tokens.push(Token {
            kind,
            start,
            end: self.pos,
            line,
        });
    }

    /// A numeric literal; `None` when it is not one (`1st`).
    fn number(&mut self) -> Option<()> {
        let start = self.pos;
        while self.pos < self.src.len() {
            let b = self.src[self.pos];
            let exponent_sign = matches!(b, b'+' | b'-')
                && matches!(self.src[self.pos - 1], b'e' | b'E')
                && !self.src[start..self.pos].starts_with(b"0x")
                && !self.src[start..self.pos].starts_with(b"0X");
            if b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || exponent_sign {
                self.pos += 1;
            } else {
                break;
            }
        }
        let line = self.line;
        self.push(Kind::Number, start, line);
        valid_number(&self.src[start..self.pos]).then_some(())
    }

    /// A string literal at `pos` (the opening quote): moves past its end.
    /// `None` when it is not closed.
    fn string(&mut self, format: bool) -> Option<()> {
        let quote = self.src[self.pos];
        let triple = self.peek(1) == quote && self.peek(2) == quote;
        self.pos += if triple { 3 } else { 1 };
        let content_start = self.pos;
        let mut checked = false;
        loop {
            let b = *self.src.get(self.pos)?;
            match b {
                b'\\' => {
                    // A backslash escapes the next byte, in raw strings too
                    // (`r"\""` is two characters); a line ending counts.
                    self.pos += 1;
                    if matches!(self.peek(0), b'\n' | b'\r') {
                        self.newline();
                    } else {
                        self.pos += 1;
                    }
                }
                b'\n' | b'\r' => {
                    if !triple {
                        return None;
                    }
                    self.newline();
                }
                _ if b == quote
                    && (!triple || (self.peek(1) == quote && self.peek(2) == quote)) =>
                {
                    if !checked {
                        self.check_sql(content_start, self.pos);
                    }
                    self.pos += if triple { 3 } else { 1 };
                    return Some(());
                }
                b'{' if format => {
                    if self.peek(1) == b'{' {
                        self.pos += 2;
                        continue;
                    }
                    if !checked {
                        self.check_sql(content_start, self.pos);
                        checked = true;
                    }
                    self.pos += 1;
                    self.replacement_field(quote, triple)?;
                }
                _ => self.pos += 1,
            }
        }
    }

    /// Inside an f-string, past the `{` of a replacement field: moves past
    /// its closing `}`, reading nested brackets and strings.
    fn replacement_field(&mut self, quote: u8, triple: bool) -> Option<()> {
        let mut depth = 0usize;
        loop {
            let b = *self.src.get(self.pos)?;
            match b {
                b'{' | b'(' | b'[' => {
                    depth += 1;
                    self.pos += 1;
                }
                b'}' if depth == 0 => {
                    self.pos += 1;
                    return Some(());
                }
                b'}' | b')' | b']' => {
                    depth = depth.checked_sub(1)?;
                    self.pos += 1;
                }
                b'"' | b'\'' => {
                    if b == quote && !triple {
                        // The field ends at the string's own quote: not
                        // Python before 3.12, and not worth guessing.
                        return None;
                    }
                    self.string(false)?;
                }
                b'\n' | b'\r' => {
                    if !triple {
                        return None;
                    }
                    self.newline();
                }
                _ if is_name_start(b) => {
                    let start = self.pos;
                    while self.pos < self.src.len() && is_name_byte(self.src[self.pos]) {
                        self.pos += 1;
                    }
                    // Code inside an f-string is not tokenised for the
                    // reader: a name the triggers look for sends the file
                    // to tree-sitter whatever it does there.
                    self.field_trigger |= is_trigger_name(&self.src[start..self.pos]);
                    if matches!(self.peek(0), b'"' | b'\'')
                        && let Some(format) = string_prefix(&self.src[start..self.pos])
                    {
                        if self.peek(0) == quote && !triple {
                            return None;
                        }
                        self.string(format)?;
                    }
                }
                _ => self.pos += 1,
            }
        }
    }

    fn check_sql(&mut self, start: usize, end: usize) {
        if !self.sql_string
            && let Ok(text) = std::str::from_utf8(&self.src[start..end])
        {
            self.sql_string = starts_like_sql(text);
        }
    }
}

/// Whether `text` is a Python numeric literal: decimal, hexadecimal,
/// octal or binary integers, floats with fraction and exponent, imaginary
/// numbers, with `_` between digits.
fn valid_number(text: &[u8]) -> bool {
    let digits = |text: &[u8], radix: u32| {
        !text.is_empty()
            && !text.starts_with(b"_")
            && !text.ends_with(b"_")
            && !text.windows(2).any(|pair| pair == b"__")
            && text
                .iter()
                .all(|b| *b == b'_' || char::from(*b).is_digit(radix))
    };
    let lower = text.to_ascii_lowercase();
    if let Some(rest) = lower.strip_prefix(b"0x") {
        return digits(rest.strip_prefix(b"_").unwrap_or(rest), 16);
    }
    if let Some(rest) = lower.strip_prefix(b"0o") {
        return digits(rest.strip_prefix(b"_").unwrap_or(rest), 8);
    }
    if let Some(rest) = lower.strip_prefix(b"0b") {
        return digits(rest.strip_prefix(b"_").unwrap_or(rest), 2);
    }
    let text = lower.strip_suffix(b"j").unwrap_or(&lower);
    let (mantissa, exponent) = match text.iter().position(|b| *b == b'e') {
        Some(at) => (&text[..at], Some(&text[at + 1..])),
        None => (text, None),
    };
    if let Some(exponent) = exponent {
        let exponent = exponent
            .strip_prefix(b"+")
            .or_else(|| exponent.strip_prefix(b"-"))
            .unwrap_or(exponent);
        if !digits(exponent, 10) {
            return false;
        }
    }
    match mantissa.iter().position(|b| *b == b'.') {
        Some(at) => {
            let (whole, fraction) = (&mantissa[..at], &mantissa[at + 1..]);
            (!whole.is_empty() || !fraction.is_empty())
                && (whole.is_empty() || digits(whole, 10))
                && (fraction.is_empty() || digits(fraction, 10))
        }
        None => digits(mantissa, 10),
    }
}

/// Whether `prefix` is a string prefix (`r`, `b`, `u`, `f`, `rb`, `br`,
/// `fr`, `rf`, any case), and whether it makes an f-string. A backslash
/// escapes the next character in raw strings too, as far as finding the
/// end goes, so rawness does not matter here.
fn string_prefix(prefix: &[u8]) -> Option<bool> {
    if prefix.len() > 2 {
        return None;
    }
    let mut raw = false;
    let mut format = false;
    let mut bytes = false;
    for b in prefix {
        match b.to_ascii_lowercase() {
            b'r' if !raw => raw = true,
            b'f' if !format && !bytes => format = true,
            b'b' if !bytes && !format => bytes = true,
            b'u' if prefix.len() == 1 => {}
            _ => return None,
        }
    }
    Some(format)
}

/// Compound statements whose header ends at its first colon outside brackets.
const COMPOUND: [&[u8]; 14] = [
    b"if", b"elif", b"else", b"while", b"for", b"try", b"except", b"finally", b"with", b"def",
    b"class", b"async", b"match", b"case",
];

/// Identifiers that mark a file as reading its environment wherever they
/// appear.
const ENVIRONMENT: [&[u8]; 2] = [b"environ", b"getenv"];

/// The redis package, whose import makes its clients count.
const REDIS_LIBRARIES: [&str; 1] = ["redis"];

/// Whether `name` is one of `names`.
fn named(names: &[&str], name: &[u8]) -> bool {
    names.iter().any(|n| n.as_bytes() == name)
}

/// Whether `name` is one the triggers look for, of any kind.
fn is_trigger_name(name: &[u8]) -> bool {
    ENVIRONMENT.contains(&name)
        || [
            &SQL_METHODS[..],
            &HTTP_LIBRARIES,
            &HTTP_CLIENTS,
            &REDIS_CLIENTS,
            &KAFKA_PRODUCERS,
            &KAFKA_CONSUMERS,
            &["client", "resource"],
        ]
        .iter()
        .any(|names| named(names, name))
}

struct Reader<'a> {
    src: &'a [u8],
    blocks: Vec<Block>,
    /// The block the previous line's header opens: its kind and indentation.
    pending: Option<(BlockKind, usize)>,
    facts: FileFacts,
    needs_tree: bool,
    /// Which of the clues below the file holds: names that need a library
    /// import or an SQL string beside them to send the file to tree-sitter.
    clues: u8,
}

/// A method that runs SQL is called.
const SQL_METHOD: u8 = 1;
/// `requests.get(`, `httpx.Client(`…
const HTTP_CLIENT: u8 = 2;
/// `Redis`, `StrictRedis`, `from_url`.
const REDIS_CLIENT: u8 = 4;
/// A Kafka producer or consumer class.
const KAFKA_CLIENT: u8 = 8;

impl<'a> Reader<'a> {
    fn seen(&self, clue: u8) -> bool {
        self.clues & clue != 0
    }

    fn text(&self, token: &Token) -> &'a [u8] {
        &self.src[token.start..token.end]
    }

    fn str_of(&self, start: usize, end: usize) -> &'a str {
        std::str::from_utf8(&self.src[start..end]).unwrap_or("")
    }

    /// One logical line at `indent`.
    fn line(&mut self, indent: usize, tokens: &[Token]) -> Option<()> {
        if let Some((kind, header_indent)) = self.pending.take() {
            if indent <= header_indent {
                return None;
            }
            self.blocks.push(Block {
                header_indent,
                body_indent: indent,
                kind,
            });
        } else {
            while self
                .blocks
                .last()
                .is_some_and(|b| b.header_indent >= indent)
            {
                self.blocks.pop();
            }
            let expected = self.blocks.last().map_or(0, |b| b.body_indent);
            if indent != expected {
                return None;
            }
        }
        self.triggers(tokens);
        let mut start = 0;
        let mut one_liner = false;
        while start < tokens.len() {
            let statement = &tokens[start..];
            let (end, is_header) = self.split(statement);
            self.statement(&statement[..end], is_header)?;
            if is_header {
                let kind = self.block_kind(&statement[..end]);
                if end + 1 == statement.len() {
                    if one_liner {
                        return None;
                    }
                    self.pending = Some((kind, indent));
                    break;
                }
                if one_liner {
                    // `if a: if b: …` is not Python.
                    return None;
                }
                one_liner = true;
                self.blocks.push(Block {
                    header_indent: indent,
                    body_indent: usize::MAX,
                    kind,
                });
            }
            start += end + 1;
        }
        if one_liner {
            self.blocks.pop();
        }
        Some(())
    }

    /// Where the first statement of `tokens` ends, outside brackets: at a
    /// `;`, at the end, or, when it starts with a compound keyword, at its
    /// header's colon (`true`).
    fn split(&self, tokens: &[Token]) -> (usize, bool) {
        let compound = tokens
            .first()
            .is_some_and(|t| t.kind == Kind::Name && COMPOUND.contains(&self.text(t)));
        let mut depth = 0usize;
        for (i, token) in tokens.iter().enumerate() {
            match token.kind {
                Kind::Op(b'(' | b'[' | b'{') => depth += 1,
                Kind::Op(b')' | b']' | b'}') => depth = depth.saturating_sub(1),
                Kind::Op(b':') if depth == 0 && compound => return (i, true),
                Kind::Op(b';') if depth == 0 => return (i, false),
                _ => {}
            }
        }
        (tokens.len(), false)
    }

    fn block_kind(&self, header: &[Token]) -> BlockKind {
        let names: Vec<&[u8]> = header.iter().map(|t| self.text(t)).collect();
        match names.as_slice() {
            [b"def", name, ..] | [b"async", b"def", name, ..] => {
                BlockKind::Def(self.qualname(name))
            }
            [b"class", name, ..] => BlockKind::Class(self.qualname(name)),
            [b"if", b"TYPE_CHECKING"] => BlockKind::TypeChecking,
            [b"if", b"typing", b".", b"TYPE_CHECKING"]
                if header[2].start == header[1].end && header[3].start == header[2].end =>
            {
                BlockKind::TypeChecking
            }
            _ => BlockKind::Other,
        }
    }

    /// The innermost definition around the current line: its qualified name
    /// and whether it is a class.
    fn scope(&self) -> Option<(&str, bool)> {
        self.blocks.iter().rev().find_map(|b| match &b.kind {
            BlockKind::Def(name) => Some((name.as_str(), false)),
            BlockKind::Class(name) => Some((name.as_str(), true)),
            _ => None,
        })
    }

    fn qualname(&self, name: &[u8]) -> String {
        let name = std::str::from_utf8(name).unwrap_or("");
        match self.scope() {
            Some((outer, _)) => format!("{outer}.{name}"),
            None => name.to_owned(),
        }
    }

    fn marks(&self) -> &'static str {
        let type_only = self
            .blocks
            .iter()
            .any(|b| b.kind == BlockKind::TypeChecking);
        match (type_only, self.scope().is_some()) {
            (true, true) => " [type-only] [in function]",
            (true, false) => " [type-only]",
            (false, true) => " [in function]",
            (false, false) => "",
        }
    }

    /// One simple statement, or a compound statement's header.
    fn statement(&mut self, statement: &[Token], header: bool) -> Option<()> {
        let Some(first) = statement.first() else {
            return Some(());
        };
        if first.kind != Kind::Name {
            return Some(());
        }
        match self.text(first) {
            b"import" if !header => self.import(statement),
            b"from" if !header => self.import_from(statement),
            b"def" | b"class" | b"async" if header => {
                self.definition(statement);
                Some(())
            }
            _ => Some(()),
        }
    }

    fn definition(&mut self, header: &[Token]) {
        let (kind, name) = match header {
            [def, name, ..] if self.text(def) == b"def" => ("function", name),
            [_, def, name, ..] if self.text(def) == b"def" => ("function", name),
            [class, name, ..] if self.text(class) == b"class" => ("class", name),
            _ => return,
        };
        if name.kind != Kind::Name {
            return;
        }
        let scope = self.scope().map(|(name, class)| (name.to_owned(), class));
        let kind = match (&scope, kind) {
            (Some((_, true)), "function") => "method",
            _ => kind,
        };
        self.facts.symbols.push(Symbol {
            qualname: self.qualname(self.text(name)),
            kind,
            line: header[0].line,
            top_level_function: scope.is_none() && kind == "function",
            parent: scope.map(|(name, _)| name),
        });
    }

    /// `import a.b as c, d`.
    fn import(&mut self, statement: &[Token]) -> Option<()> {
        let mut modules = Vec::new();
        let mut i = 1;
        loop {
            let (module, next) = self.dotted(statement, i)?;
            i = next;
            if statement.get(i).is_some_and(|t| self.text(t) == b"as") {
                (statement.get(i + 1)?.kind == Kind::Name).then_some(())?;
                i += 2;
            }
            modules.push(module);
            match statement.get(i) {
                None => break,
                Some(t) if t.kind == Kind::Op(b',') => i += 1,
                Some(_) => return None,
            }
        }
        let last = statement.last()?;
        let detail = format!(
            "{}{}",
            self.str_of(statement[0].start, last.end),
            self.marks()
        );
        for module in modules {
            self.facts.imports.push(Import {
                level: 0,
                module,
                names: Vec::new(),
                line: statement[0].line,
                detail: detail.clone(),
            });
        }
        Some(())
    }

    /// A dotted name starting at `i`: the name and the index after it.
    fn dotted(&self, statement: &[Token], mut i: usize) -> Option<(String, usize)> {
        let first = statement.get(i)?;
        (first.kind == Kind::Name).then_some(())?;
        let start = first.start;
        let mut end = first.end;
        i += 1;
        while statement.get(i).is_some_and(|t| t.kind == Kind::Op(b'.')) {
            let name = statement.get(i + 1)?;
            (name.kind == Kind::Name).then_some(())?;
            end = name.end;
            i += 2;
        }
        Some((self.str_of(start, end).to_owned(), i))
    }

    /// `from ..a.b import (c as d, e)`, `from . import x`, `from m import *`.
    fn import_from(&mut self, statement: &[Token]) -> Option<()> {
        let mut i = 1;
        let mut level = 0;
        while statement.get(i).is_some_and(|t| t.kind == Kind::Op(b'.')) {
            level += 1;
            i += 1;
        }
        let mut module = String::new();
        if statement.get(i).is_some_and(|t| self.text(t) != b"import") {
            let (name, next) = self.dotted(statement, i)?;
            module = name;
            i = next;
        }
        if level == 0 && module.is_empty() {
            return None;
        }
        (self.text(statement.get(i)?) == b"import").then_some(())?;
        i += 1;
        if level == 0 && module == "__future__" {
            // A future statement, not an import of a module.
            return Some(());
        }
        let mut names = Vec::new();
        let rest = &statement[i..];
        match rest {
            [star] if star.kind == Kind::Op(b'*') => {}
            [open, inner @ .., close]
                if open.kind == Kind::Op(b'(') && close.kind == Kind::Op(b')') =>
            {
                self.import_names(inner, true, &mut names)?;
            }
            _ => self.import_names(rest, false, &mut names)?,
        }
        let last = statement.last()?;
        let text = self.str_of(statement[0].start, last.end);
        let detail = format!(
            "{}{}",
            text.split_whitespace().collect::<Vec<_>>().join(" "),
            self.marks()
        );
        self.facts.imports.push(Import {
            level,
            module,
            names,
            line: statement[0].line,
            detail,
        });
        Some(())
    }

    fn import_names(
        &self,
        tokens: &[Token],
        parenthesized: bool,
        names: &mut Vec<String>,
    ) -> Option<()> {
        let mut i = 0;
        while i < tokens.len() {
            let name = &tokens[i];
            (name.kind == Kind::Name).then_some(())?;
            names.push(self.str_of(name.start, name.end).to_owned());
            i += 1;
            if tokens.get(i).is_some_and(|t| self.text(t) == b"as") {
                (tokens.get(i + 1)?.kind == Kind::Name).then_some(())?;
                i += 2;
            }
            match tokens.get(i) {
                None => break,
                Some(t) if t.kind == Kind::Op(b',') => {
                    i += 1;
                    if i == tokens.len() && !parenthesized {
                        return None;
                    }
                }
                Some(_) => return None,
            }
        }
        (!names.is_empty()).then_some(())
    }

    /// Marks the file for tree-sitter when this line names what the walker
    /// reads infrastructure use from.
    fn triggers(&mut self, tokens: &[Token]) {
        if self.needs_tree {
            return;
        }
        for (i, token) in tokens.iter().enumerate() {
            if token.kind != Kind::Name {
                continue;
            }
            let text = self.text(token);
            if ENVIRONMENT.contains(&text) {
                self.needs_tree = true;
                return;
            }
            if named(&REDIS_CLIENTS, text) {
                self.clues |= REDIS_CLIENT;
            }
            if named(&KAFKA_PRODUCERS, text) || named(&KAFKA_CONSUMERS, text) {
                self.clues |= KAFKA_CLIENT;
            }
            if named(&HTTP_LIBRARIES, text)
                && tokens.get(i + 1).is_some_and(|t| t.kind == Kind::Op(b'.'))
                && tokens.get(i + 2).is_some_and(|t| {
                    let name = self.text(t);
                    named(&HTTP_CLIENTS, name) || named(&HTTP_VERBS, name)
                })
                && tokens.get(i + 3).is_some_and(|t| t.kind == Kind::Op(b'('))
            {
                self.clues |= HTTP_CLIENT;
            }
            let after_dot = i > 0 && tokens[i - 1].kind == Kind::Op(b'.');
            if !after_dot {
                continue;
            }
            if named(&SQL_METHODS, text) {
                self.clues |= SQL_METHOD;
            }
            // `boto3.client("sqs")`, `session.resource(service_name="s3")`.
            if matches!(text, b"client" | b"resource")
                && tokens.get(i + 1).is_some_and(|t| t.kind == Kind::Op(b'('))
                && tokens
                    .get(i + 2)
                    .is_some_and(|t| t.kind == Kind::Str || self.text(t) == b"service_name")
            {
                self.needs_tree = true;
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::{Lexed, lex};
    use crate::python::walk::{FileFacts, Walker};
    use crate::test_support::source_files;

    /// The tree walker's imports and symbols, or `None` when tree-sitter
    /// finds a syntax error (the lexer need not agree on broken files).
    fn walked(source: &[u8]) -> Option<FileFacts> {
        let mut parser = tree_sitter::Parser::new();
        parser
            .set_language(&tree_sitter_python::LANGUAGE.into())
            .expect("the grammar loads");
        let tree = parser.parse(source, None)?;
        if tree.root_node().has_error() {
            return None;
        }
        let mut walker = Walker::new(source);
        walker.walk(tree.root_node(), None, None);
        Some(walker.finish())
    }

    fn lexed(source: &str) -> Lexed {
        lex(source.as_bytes()).expect("the lexer reads it")
    }

    /// Whether the lexer gives the walker's imports and symbols for
    /// `source`; `Err` describes the first difference.
    fn agrees(source: &[u8]) -> Result<bool, String> {
        let (Some(lexed), Some(walked)) = (lex(source), walked(source)) else {
            return Ok(false);
        };
        if lexed.facts.imports != walked.imports {
            return Err(format!(
                "imports differ:\nlexer:  {:#?}\nwalker: {:#?}",
                lexed.facts.imports, walked.imports
            ));
        }
        if lexed.facts.symbols != walked.symbols {
            return Err(format!(
                "symbols differ:\nlexer:  {:#?}\nwalker: {:#?}",
                lexed.facts.symbols, walked.symbols
            ));
        }
        Ok(true)
    }

    const CASES: &[&str] = &[
        "import os\nimport a.b.c as d, e\n",
        "from . import x\nfrom .. import (y as z,\n    w,  # why\n)\nfrom ...pkg.mod import *\n",
        "from __future__ import annotations\nfrom typing import TYPE_CHECKING\n\
         if TYPE_CHECKING:\n    from a import B\n    import c\nelse:\n    import d\n",
        "import typing\nif typing.TYPE_CHECKING: import e; import f\nif not TYPE_CHECKING:\n    import g\n",
        "class A(Base, metaclass=M):\n    import inside\n    x: int = 1\n\n    @property\n    \
         def f(self) -> dict[str, int]:\n        import json\n        def inner():\n            \
         class Deep:\n                def m(self): pass\n        return {}\n\n    async def g(self):\n        \
         if True:\n            def h(): ...\n\n\ndef top(a, b=lambda: 1, *args, **kw):\n    pass\n\n\
         async def coro(): import asyncio\n",
        "s = '''\nimport not_real\ndef not_a_def(): pass\n'''\nt = f\"{x!r:>{width}} {'a' if y else 'b'}\"\n\
         u = rb'\\d+' + Rb\"\\\"\"\nimport real\n",
        "x = [\n    1,\n    2]\nif (n := 10) > 5: import walrus\nmatch command:\n    case [a, b]:\n        \
         import in_case\n    case {'k': v}:\n        pass\n",
        "try: import simplejson as json\nexcept ImportError: import json\nfinally: pass\n\
         while False: import never\nwith open(p) as f, g: import w\nfor i in range(3): import loop\n",
        "def f(\n    a: int,\n    b: str = \"):\",\n) -> \"X:\":\n    from m import (\n        n,\n    )\n",
        "import a \\\n    .b\nfrom c import \\\n    d\nx = 1; import e; y = 2\n",
        "if x:\n\tif y:\n\t\timport tabbed\n\tdef f(): pass\n",
        "\u{feff}import bom\nclass C: pass\nclass D: x = 1; import in_class\n",
        "n = [0x_1F, 0o17, 0b1010, 1_000.5e-3j, .5, 5., 1E+10, 3j, 0]\nimport after_numbers\n",
    ];

    #[test]
    fn the_lexer_gives_what_the_walker_gives() {
        for case in CASES {
            match agrees(case.as_bytes()) {
                Ok(true) => {}
                Ok(false) => panic!("not compared (lexer or tree-sitter refused):\n{case}"),
                Err(difference) => panic!("{difference}\nin:\n{case}"),
            }
        }
    }

    #[test]
    fn what_the_tokenizer_rejects_goes_to_tree_sitter() {
        for broken in [
            "x = 'unterminated\nimport a\n",
            "x = (1, 2\nimport a\n",
            "x = [1, 2)\n",
            "def f():\nimport a\n",
            "def f():\n    pass\n  import a\n",
            "import a\n    import b\n",
            "x = 1 $ 2\n",
            "s = \"\"\"never closed\n",
            "from import x\n",
            "from a import b,\n",
            "class A: def f(self): pass\n",
            "if x:\n",
            "x = 1 \\ 2\n",
            "1syntax_error  # NOQA\n",
            "x = 0x\n",
            "x = 1__0\n",
            "x = 1e\n",
        ] {
            assert!(lex(broken.as_bytes()).is_none(), "accepted: {broken}");
        }
    }

    #[test]
    fn infrastructure_use_needs_the_tree() {
        for (source, needs) in [
            ("import os\nQUEUE = os.environ['QUEUE']\n", true),
            ("from os import getenv\n", true),
            ("h = f\"Bearer {os.environ.get('TOKEN', '')}\"\n", true),
            ("h = f\"{x.text!r:>{width}}\"\n", true),
            ("h = f\"{x.title()}\"\n", false),
            ("import boto3\nsqs = boto3.client('sqs')\n", true),
            ("s = session.resource(service_name='s3')\n", true),
            ("import httpx\nhttpx.get(URL)\n", true),
            ("import requests\ns = requests.Session()\n", true),
            (
                "from redis import asyncio\nr = asyncio.Redis(host='h')\n",
                true,
            ),
            (
                "from confluent_kafka import Producer\np = Producer({})\n",
                true,
            ),
            (
                "def f():\n    import aiokafka.producer as p\n    p.AIOKafkaProducer()\n",
                true,
            ),
            (
                "import requests\nE = requests.exceptions.HTTPError\n",
                false,
            ),
            ("import httpx\n", false),
            ("Producer()\n", false),
            ("requests = []\nfor r in requests: pass\n", false),
            ("from .redis import helper\n", false),
            ("cur.execute(\"SELECT id FROM orders\")\n", true),
            (
                "Q = f\"\"\"\n  select * from t where id = {x}\"\"\"\ndb.query(Q)\n",
                true,
            ),
            ("import boto3\n", false),
            ("self.client = make()\nself.client(1)\n", false),
            ("label = 'Select a file'\n", false),
            ("db.query(build())\nresponse.text()\n", false),
        ] {
            assert_eq!(lexed(source).needs_tree, needs, "{source}");
        }
    }

    /// Cut anywhere, mangled anywhere, a real file never makes the lexer
    /// panic: it reads it or refuses it.
    #[test]
    fn broken_input_never_panics() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures");
        let mut tried = 0;
        for file in source_files(&root, crate::python::is_source_file) {
            let source = std::fs::read(&file).expect("readable");
            for cut in (0..source.len()).step_by(7) {
                let _ = lex(&source[..cut]);
                let mut mangled = source.clone();
                mangled[cut] = b"'\"{([\\\n:#"[cut % 9];
                let _ = lex(&mangled);
                tried += 2;
            }
        }
        assert!(tried > 1000, "only {tried} inputs tried");
    }

    /// Every Python file of the repository's fixtures, and of the tree
    /// `INFRAWISE_LEX_TREE` names when it is set (a real package, kept
    /// outside the repository): where both read a file, they agree.
    #[test]
    fn the_lexer_agrees_with_the_walker_on_real_files() {
        let mut roots = vec![
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures"),
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples"),
        ];
        if let Ok(tree) = std::env::var("INFRAWISE_LEX_TREE") {
            roots.push(PathBuf::from(tree));
        }
        let files: Vec<PathBuf> = roots
            .iter()
            .flat_map(|root| source_files(root, crate::python::is_source_file))
            .collect();
        let (mut compared, mut refused, mut needs_tree) = (0, 0, 0);
        let mut differences = Vec::new();
        for file in &files {
            let source = std::fs::read(file).expect("readable");
            needs_tree += usize::from(lex(&source).is_none_or(|lexed| lexed.needs_tree));
            match agrees(&source) {
                Ok(true) => compared += 1,
                Ok(false) => refused += 1,
                Err(difference) => differences.push(format!("{}: {difference}", file.display())),
            }
        }
        eprintln!(
            "{} files: {compared} compared, {refused} read by one side only, {} differ; \
             {needs_tree} go to tree-sitter",
            files.len(),
            differences.len()
        );
        assert!(compared >= 25, "only {compared} files compared");
        assert!(
            differences.is_empty(),
            "{}",
            differences[..differences.len().min(5)].join("\n\n")
        );
    }
}
