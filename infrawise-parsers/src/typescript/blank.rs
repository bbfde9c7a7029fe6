//! Blanking the bodies of top-level symbols before tree-sitter parses a
//! TypeScript file that touches no infrastructure.
//!
//! In such a file the walker takes nothing from inside the body of a
//! top-level named function, of a top-level `const f = () => { … }`, or of
//! a function inside a top-level named class: imports sit at the top
//! level, a class or function inside a symbol is no symbol, and no call
//! inside can be a use of infrastructure (the file names none). Those
//! bodies are most of the bytes, so [`blank_bodies`] replaces what is
//! inside them with spaces (line endings kept, so every byte offset and
//! line stays where it was) and tree-sitter parses the rest at a fraction
//! of the cost.
//!
//! It returns `None`, and the file is parsed as written, when the file
//! names something the walker reads infrastructure use from (`require`,
//! `import(`, `process`, `fetch`, a client package, an SQL-looking string)
//! or when its tokens are not what the lexer expects (an unterminated
//! string, template, comment or regular expression, an unbalanced
//! bracket). When the blanked text does not parse cleanly the caller parses
//! the original, so syntax errors outside the bodies are reported as
//! before; one inside a blanked body is not.

use crate::code::starts_like_sql;

/// Names whose use means the walker may find something inside a body:
/// module loading in code, environment reads, HTTP.
const TRIGGER_NAMES: [&[u8]; 3] = [b"require", b"process", b"fetch"];

/// Whether a string names a package whose clients the walker follows.
fn is_client_package(text: &str) -> bool {
    super::infra::is_client_package(text) || matches!(text, "got" | "node-fetch")
}

/// What a bracket on the stack opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Open {
    Paren,
    Bracket,
    /// A brace block of no interest.
    Brace,
    /// The body of a top-level named class.
    ClassBody,
    /// A body being blanked.
    Blank,
    /// `${` inside a template literal.
    Template,
}

/// A token of a top-level statement or of a class member, as far as the
/// bodies to blank are recognised by them. What sits inside brackets is
/// left out: `(a, b)` is `(` `)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tok {
    Word(usize, usize),
    Punct(u8),
    Arrow,
    /// A string, number, template or regular expression.
    Literal,
}

/// Keywords after which a `/` starts a regular expression.
const REGEX_KEYWORDS: [&[u8]; 14] = [
    b"return",
    b"typeof",
    b"instanceof",
    b"in",
    b"of",
    b"new",
    b"delete",
    b"void",
    b"throw",
    b"case",
    b"do",
    b"else",
    b"yield",
    b"await",
];

/// Words that may lead a declaration (`export default async function`).
const LEADING: [&[u8]; 5] = [b"export", b"default", b"async", b"declare", b"abstract"];

/// Words that start a top-level statement: after a line break, one of
/// these ends the statement before it (automatic semicolon insertion).
const STARTS: [&[u8]; 14] = [
    b"export",
    b"function",
    b"class",
    b"const",
    b"let",
    b"var",
    b"declare",
    b"abstract",
    b"async",
    b"interface",
    b"type",
    b"enum",
    b"namespace",
    b"import",
];

/// The file with the bodies of its top-level symbols blanked, or `None`
/// (see the module docs).
pub(crate) fn blank_bodies(src: &[u8]) -> Option<Vec<u8>> {
    let mut blanker = Blanker {
        src,
        out: src.to_vec(),
        pos: 0,
        stack: Vec::new(),
        regex_allowed: true,
        newline: false,
        top: Vec::new(),
        member: Vec::new(),
        blanked: 0,
        touches: false,
        body: None,
    };
    blanker.run()?;
    // Nothing blanked: the original is as cheap and needs no copy.
    (blanker.blanked > 0 && !blanker.touches).then_some(blanker.out)
}

struct Blanker<'a> {
    src: &'a [u8],
    out: Vec<u8>,
    pos: usize,
    stack: Vec<Open>,
    /// Whether a `/` here starts a regular expression (after an operator
    /// or a keyword) rather than divides (after a value).
    regex_allowed: bool,
    /// Whether a line break came since the last token.
    newline: bool,
    /// Tokens of the current top-level statement.
    top: Vec<Tok>,
    /// Tokens of the current member of the class body being read.
    member: Vec<Tok>,
    blanked: usize,
    /// Whether the file may touch infrastructure outside the bodies: it
    /// names a trigger, a client package, `import(`, or holds an
    /// SQL-looking string there. A client package anywhere counts too.
    touches: bool,
    /// The body being blanked: where it starts, and whether it names a
    /// trigger or holds an SQL-looking string (then it is kept as written).
    body: Option<(usize, bool)>,
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b == b'$' || b >= 0x80
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}

impl Blanker<'_> {
    fn peek(&self, ahead: usize) -> u8 {
        self.src.get(self.pos + ahead).copied().unwrap_or(0)
    }

    /// Spaces over `start..pos` of the output when inside a blanked body
    /// (bodies do not nest: inside one, every `{` opens a plain block).
    fn consumed(&mut self, start: usize) {
        if self.body.is_some() {
            for b in &mut self.out[start..self.pos] {
                if !matches!(*b, b'\n' | b'\r') {
                    *b = b' ';
                }
            }
        }
    }

    fn word_of(&self, tok: Tok) -> &[u8] {
        match tok {
            Tok::Word(start, end) => &self.src[start..end],
            _ => b"",
        }
    }

    /// Records a token at the level it belongs to.
    fn record(&mut self, tok: Tok) {
        match self.stack.last() {
            None => {
                if self.newline
                    && STARTS.contains(&self.word_of(tok))
                    && self.top.last().is_some_and(|last| match last {
                        // Only a statement that could end here ends: after a
                        // value, not after an operator (`a +\n function …`).
                        Tok::Word(..) => !LEADING.contains(&self.word_of(*last)),
                        Tok::Literal | Tok::Punct(b')' | b']') => true,
                        Tok::Punct(_) | Tok::Arrow => false,
                    })
                {
                    // A new statement on a new line: the last one ended.
                    self.top.clear();
                }
                self.top.push(tok);
            }
            Some(Open::ClassBody) => self.member.push(tok),
            Some(_) => {}
        }
        self.newline = false;
    }

    fn run(&mut self) -> Option<()> {
        while self.pos < self.src.len() {
            let start = self.pos;
            let b = self.src[self.pos];
            match b {
                b'\n' | b'\r' => {
                    self.pos += 1;
                    self.newline = true;
                }
                b' ' | b'\t' | b'\x0b' | b'\x0c' => self.pos += 1,
                b'/' if self.peek(1) == b'/' => {
                    while self.pos < self.src.len() && !matches!(self.src[self.pos], b'\n' | b'\r')
                    {
                        self.pos += 1;
                    }
                }
                b'/' if self.peek(1) == b'*' => {
                    let end = self
                        .src
                        .get(self.pos + 2..)?
                        .windows(2)
                        .position(|w| w == b"*/")?;
                    let comment = &self.src[self.pos..self.pos + 2 + end];
                    self.newline |= comment.contains(&b'\n');
                    self.pos += 2 + end + 2;
                }
                b'/' if self.regex_allowed => {
                    self.regex()?;
                    self.literal();
                }
                b'\'' | b'"' => {
                    self.string(b)?;
                    self.literal();
                }
                b'`' => {
                    self.pos += 1;
                    if self.template()? {
                        self.literal();
                    }
                }
                b'0'..=b'9' => {
                    while self.pos < self.src.len()
                        && (is_ident_byte(self.src[self.pos]) || self.src[self.pos] == b'.')
                    {
                        self.pos += 1;
                    }
                    self.literal();
                }
                _ if is_ident_start(b) => {
                    while self.pos < self.src.len() && is_ident_byte(self.src[self.pos]) {
                        self.pos += 1;
                    }
                    let word = &self.src[start..self.pos];
                    if TRIGGER_NAMES.contains(&word)
                        || (word == b"import" && self.next_significant() == b'(')
                    {
                        self.touched();
                    }
                    self.regex_allowed = REGEX_KEYWORDS.contains(&word);
                    self.record(Tok::Word(start, self.pos));
                }
                b'(' | b'[' => {
                    self.pos += 1;
                    self.record(Tok::Punct(b));
                    self.stack.push(if b == b'(' {
                        Open::Paren
                    } else {
                        Open::Bracket
                    });
                    self.regex_allowed = true;
                }
                b')' | b']' => {
                    self.pos += 1;
                    let want = if b == b')' {
                        Open::Paren
                    } else {
                        Open::Bracket
                    };
                    if self.stack.pop() != Some(want) {
                        return None;
                    }
                    self.record(Tok::Punct(b));
                    self.regex_allowed = false;
                }
                b'{' => {
                    // Braces are kept, so a blanked body stays balanced.
                    self.pos += 1;
                    let open = match self.stack.last() {
                        None => self.top_level_body(),
                        Some(Open::ClassBody) => self.member_body(),
                        Some(_) => Open::Brace,
                    };
                    if open == Open::Blank {
                        self.body = Some((self.pos, false));
                    }
                    self.stack.push(open);
                    self.regex_allowed = true;
                    self.newline = false;
                    continue;
                }
                b'}' => {
                    self.pos += 1;
                    let open = self.stack.pop()?;
                    match open {
                        Open::Template => {
                            if self.template()? {
                                self.literal();
                            }
                            self.consumed(start);
                            continue;
                        }
                        Open::Paren | Open::Bracket => return None,
                        Open::Blank | Open::Brace | Open::ClassBody => {}
                    }
                    self.regex_allowed = false;
                    self.newline = false;
                    if open == Open::Blank
                        && let Some((body_start, touched)) = self.body.take()
                    {
                        if touched {
                            // Kept as written: the walker may find a use in it.
                            self.out[body_start..start]
                                .copy_from_slice(&self.src[body_start..start]);
                        } else {
                            self.blanked += 1;
                        }
                    }
                    // A declaration ends at its closing brace, which stays.
                    self.end_statement();
                    continue;
                }
                b';' => {
                    self.pos += 1;
                    self.regex_allowed = true;
                    self.newline = false;
                    self.end_statement();
                }
                b'=' if self.peek(1) == b'>' => {
                    self.pos += 2;
                    self.record(Tok::Arrow);
                    self.regex_allowed = true;
                }
                _ => {
                    self.pos += 1;
                    self.record(Tok::Punct(b));
                    self.regex_allowed = true;
                }
            }
            self.consumed(start);
        }
        self.stack.is_empty().then_some(())
    }

    /// A statement (or class member) at the current level ended.
    fn end_statement(&mut self) {
        match self.stack.last() {
            None => self.top.clear(),
            Some(Open::ClassBody) => self.member.clear(),
            Some(_) => {}
        }
    }

    fn literal(&mut self) {
        self.regex_allowed = false;
        self.record(Tok::Literal);
    }

    /// A string literal at `pos`; moves past it. `None` when it does not end
    /// on its line.
    fn string(&mut self, quote: u8) -> Option<()> {
        self.pos += 1;
        let start = self.pos;
        loop {
            let b = *self.src.get(self.pos)?;
            match b {
                b'\\' => self.pos += 2,
                b'\n' | b'\r' => return None,
                _ if b == quote => {
                    self.check_sql(start, self.pos);
                    self.pos += 1;
                    return Some(());
                }
                _ => self.pos += 1,
            }
        }
    }

    /// Inside a template literal: moves past its end (`Some(true)`) or
    /// into a `${` field (`Some(false)`, the field pushed on the stack).
    fn template(&mut self) -> Option<bool> {
        let start = self.pos;
        loop {
            let b = *self.src.get(self.pos)?;
            match b {
                b'\\' => self.pos += 2,
                b'`' => {
                    self.check_sql(start, self.pos);
                    self.pos += 1;
                    return Some(true);
                }
                b'$' if self.peek(1) == b'{' => {
                    self.check_sql(start, self.pos);
                    self.pos += 2;
                    self.stack.push(Open::Template);
                    self.regex_allowed = true;
                    return Some(false);
                }
                _ => self.pos += 1,
            }
        }
    }

    /// A regular expression literal at `pos`; moves past it and its flags.
    fn regex(&mut self) -> Option<()> {
        self.pos += 1;
        let mut class = false;
        loop {
            let b = *self.src.get(self.pos)?;
            match b {
                b'\\' => self.pos += 2,
                b'\n' | b'\r' => return None,
                b'[' => {
                    class = true;
                    self.pos += 1;
                }
                b']' => {
                    class = false;
                    self.pos += 1;
                }
                b'/' if !class => {
                    self.pos += 1;
                    while self.pos < self.src.len() && is_ident_byte(self.src[self.pos]) {
                        self.pos += 1;
                    }
                    return Some(());
                }
                _ => self.pos += 1,
            }
        }
    }

    /// Marks the file when a string's text is SQL-looking or a client
    /// package's name.
    fn check_sql(&mut self, start: usize, end: usize) {
        if let Some(text) = self.src.get(start..end)
            && let Ok(text) = std::str::from_utf8(text)
        {
            // A lone keyword (`"update"`, an event's name) is no statement.
            if starts_like_sql(text) && text.trim().contains(char::is_whitespace) {
                self.touched();
            }
            if is_client_package(text) {
                self.touches = true;
            }
        }
    }

    /// Something the walker may read a use from: the body it is in is kept
    /// as written; outside a body, the whole file is.
    fn touched(&mut self) {
        match &mut self.body {
            Some((_, touched)) => *touched = true,
            None => self.touches = true,
        }
    }

    /// The next byte that is not white space.
    fn next_significant(&self) -> u8 {
        self.src[self.pos..]
            .iter()
            .copied()
            .find(|b| !b.is_ascii_whitespace())
            .unwrap_or(0)
    }

    fn is_word(&self, tok: Option<&Tok>, word: &[u8]) -> bool {
        tok.is_some_and(|t| self.word_of(*t) == word)
    }

    fn is_name(tok: Option<&Tok>) -> bool {
        tok.is_some_and(|t| matches!(t, Tok::Word(..)))
    }

    /// Past `<…>` type parameters at `i`, if there are some.
    fn skip_type_parameters(tokens: &[Tok], mut i: usize) -> usize {
        if tokens.get(i) != Some(&Tok::Punct(b'<')) {
            return i;
        }
        let mut depth = 0usize;
        while let Some(tok) = tokens.get(i) {
            match tok {
                Tok::Punct(b'<') => depth += 1,
                Tok::Punct(b'>') => {
                    depth -= 1;
                    if depth == 0 {
                        return i + 1;
                    }
                }
                _ => {}
            }
            i += 1;
        }
        i
    }

    /// After a parameter list ending at `i`: whether only a return type
    /// (`: T`, no `=`) follows to the end.
    fn only_return_type(tokens: &[Tok], i: usize) -> bool {
        i == tokens.len()
            || (tokens[i] == Tok::Punct(b':') && !tokens[i..].contains(&Tok::Punct(b'=')))
    }

    /// `function NAME<…>(…): T` from `i` (at `function`) to the end.
    fn function_header(tokens: &[Tok], mut i: usize, named: bool) -> bool {
        i += 1;
        if tokens.get(i) == Some(&Tok::Punct(b'*')) {
            i += 1;
        }
        if Self::is_name(tokens.get(i)) {
            i += 1;
        } else if named {
            return false;
        }
        i = Self::skip_type_parameters(tokens, i);
        if tokens.get(i) != Some(&Tok::Punct(b'(')) || tokens.get(i + 1) != Some(&Tok::Punct(b')'))
        {
            return false;
        }
        Self::only_return_type(tokens, i + 2)
    }

    /// What a `{` opens at the top level.
    fn top_level_body(&self) -> Open {
        let t = &self.top;
        let lead = t
            .iter()
            .take_while(|tok| LEADING.contains(&self.word_of(**tok)))
            .count();
        let first = t.get(lead);
        if self.is_word(first, b"function") {
            return if Self::function_header(t, lead, true) {
                Open::Blank
            } else {
                Open::Brace
            };
        }
        if self.is_word(first, b"class") {
            let named = Self::is_name(t.get(lead + 1))
                && !self.is_word(t.get(lead + 1), b"extends")
                && !self.is_word(t.get(lead + 1), b"implements");
            return if named && !t.contains(&Tok::Punct(b'=')) {
                Open::ClassBody
            } else {
                Open::Brace
            };
        }
        if [b"const".as_slice(), b"let", b"var"]
            .iter()
            .any(|w| self.is_word(first, w))
            && self.declarator_is_function(t, lead + 1)
        {
            return Open::Blank;
        }
        Open::Brace
    }

    /// `NAME[: T] = <arrow or function>` from `i`, ending where a body opens.
    fn declarator_is_function(&self, t: &[Tok], mut i: usize) -> bool {
        if !Self::is_name(t.get(i)) {
            return false;
        }
        i += 1;
        if t.get(i) == Some(&Tok::Punct(b':')) {
            while t.get(i).is_some_and(|tok| *tok != Tok::Punct(b'=')) {
                i += 1;
            }
        }
        if t.get(i) != Some(&Tok::Punct(b'=')) {
            return false;
        }
        i += 1;
        if self.is_word(t.get(i), b"async") {
            i += 1;
        }
        if self.is_word(t.get(i), b"function") {
            return Self::function_header(t, i, false);
        }
        i = Self::skip_type_parameters(t, i);
        if Self::is_name(t.get(i)) && t.get(i + 1) == Some(&Tok::Arrow) {
            return i + 2 == t.len();
        }
        if t.get(i) != Some(&Tok::Punct(b'(')) || t.get(i + 1) != Some(&Tok::Punct(b')')) {
            return false;
        }
        i += 2;
        match t.get(i) {
            Some(Tok::Arrow) => i + 1 == t.len(),
            Some(Tok::Punct(b':')) => {
                t.last() == Some(&Tok::Arrow) && !t[i..].contains(&Tok::Punct(b'='))
            }
            _ => false,
        }
    }

    /// What a `{` opens in a class body: a function's body (a method, an
    /// accessor, an arrow or function field) is blanked.
    fn member_body(&self) -> Open {
        let m = &self.member;
        if m.last() == Some(&Tok::Arrow) {
            return Open::Blank;
        }
        match m.iter().rposition(|t| *t == Tok::Punct(b')')) {
            Some(close) if Self::only_return_type(m, close + 1) => Open::Blank,
            _ => Open::Brace,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::blank_bodies;

    fn blanked(source: &str) -> String {
        String::from_utf8(blank_bodies(source.as_bytes()).expect("blanked")).expect("utf-8")
    }

    #[test]
    fn bodies_of_top_level_symbols_are_blanked_and_nothing_else() {
        let source = "import { a } from './a';\n\
                      export function f(x: number): string {\n  return `${x}`;\n}\n\
                      export const g = async (y: Y): Promise<void> => {\n  await y;\n};\n\
                      if (flag) {\n  class Kept {}\n}\n\
                      @Entity()\nexport class C<T> extends B implements I {\n  \
                      @Column({ type: 'int' })\n  id: number;\n  \
                      get name(): string { return this.n; }\n  \
                      handler = (e: E) => { go(e); };\n  \
                      static x = { m() { return 1; } };\n  \
                      m(re = /[}]/g) { const o = { k: 1 }; }\n}\n\
                      foo(() => { class AlsoKept {} });\n\
                      const sum = 1 +\nfunction named() { class InExpression {} };\n\
                      // required, processed and fetched are words, not triggers\n";
        let out = blanked(source);
        assert_eq!(out.len(), source.len());
        assert_eq!(out.lines().count(), source.lines().count());
        assert!(out.contains("export function f(x: number): string {\n  "));
        assert!(!out.contains("return `${x}`"));
        assert!(!out.contains("await y"));
        assert!(out.contains("class Kept {}"));
        assert!(out.contains("@Column({ type: 'int' })"));
        assert!(!out.contains("return this.n"));
        assert!(!out.contains("go(e)"));
        assert!(out.contains("static x = { m() { return 1; } };"));
        assert!(!out.contains("const o"));
        assert!(out.contains("class AlsoKept {}"));
        assert!(out.contains("class InExpression {}"));
    }

    #[test]
    fn a_body_that_may_touch_infrastructure_is_kept() {
        let source = "export class Runner {\n  \
                      async drop(t: string) { await this.query(`DROP TABLE ${t}`); }\n  \
                      async rows() { return this.query(\"SELECT id FROM users\"); }\n  \
                      env() { return process.env.HOME; }\n}\n";
        let out = blanked(source);
        assert!(!out.contains("DROP TABLE"));
        assert!(out.contains("this.query(\"SELECT id FROM users\")"));
        assert!(out.contains("process.env.HOME"));
    }

    #[test]
    fn files_that_may_touch_infrastructure_are_left_alone() {
        for source in [
            "const home = process.env.HOME;\nexport function f() { return home; }\n",
            "const Q = 'SELECT id FROM t';\nexport function f(db) { return db.query(Q); }\n",
            "import { SQS } from '@aws-sdk/client-sqs';\nexport function f() {}\n",
            "import got from 'got';\nexport function f() { return g(); }\n",
            "export function f() { return 'unterminated; }\n",
            "export function f() { return [1, 2); }\n",
            "const x = 1;\n",
        ] {
            assert!(blank_bodies(source.as_bytes()).is_none(), "{source}");
        }
    }

    /// Cut anywhere, mangled anywhere, a real file never makes the blanker
    /// panic, and what it gives keeps every line where it was.
    #[test]
    fn broken_input_never_panics() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures");
        let mut dirs = vec![root];
        let mut tried = 0;
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    dirs.push(path);
                    continue;
                }
                if path.extension().is_none_or(|e| e != "ts") {
                    continue;
                }
                let source = std::fs::read(&path).expect("readable");
                for cut in (0..source.len()).step_by(5) {
                    let mut mangled = source.clone();
                    mangled[cut] = b"'\"`{}()/\\\n"[cut % 10];
                    for input in [&source[..cut], &mangled[..]] {
                        if let Some(out) = blank_bodies(input) {
                            assert_eq!(out.len(), input.len());
                            assert!(
                                out.iter()
                                    .zip(input)
                                    .all(|(a, b)| (*a == b'\n') == (*b == b'\n')),
                                "a line moved"
                            );
                        }
                        tried += 1;
                    }
                }
            }
        }
        assert!(tried > 1000, "only {tried} inputs tried");
    }
}
