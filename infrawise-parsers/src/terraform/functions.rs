//! The Terraform functions real modules use to build names and maps.
//! A function not listed here, or given unknown arguments, yields unknown.

use std::collections::BTreeMap;
use std::path::Path;

use super::value::{Value, format_number};

/// What a function call gave.
pub(crate) enum Outcome {
    Value(Value),
    /// Not computable statically (unknown input, unsupported function).
    Unknown,
    /// The arguments are known and wrong: Terraform would fail, so `try` moves on.
    Error,
}

use Outcome::{Error, Unknown};

fn ok(value: Value) -> Outcome {
    Outcome::Value(value)
}

fn string(value: impl Into<String>) -> Outcome {
    Outcome::Value(Value::str(value.into()))
}

/// Calls the function `name`. `base` is the directory relative paths are read from.
pub(crate) fn call(name: &str, args: Vec<Value>, base: Option<&Path>) -> Outcome {
    // Collection functions tolerate unknown elements inside their
    // arguments; the rest need every argument known all the way down.
    let shallow = matches!(
        name,
        "merge"
            | "concat"
            | "lookup"
            | "element"
            | "keys"
            | "values"
            | "tomap"
            | "tolist"
            | "toset"
            | "length"
            | "flatten"
            | "coalesce"
            | "coalescelist"
            | "one"
            | "slice"
            | "compact"
            | "nonsensitive"
            | "sensitive"
            | "zipmap"
            | "reverse"
            | "distinct"
    );
    if shallow {
        if args.contains(&Value::Unknown) && name != "coalesce" {
            return Unknown;
        }
    } else if !args.iter().all(Value::is_known) {
        return Unknown;
    }
    let arg = |i: usize| args.get(i).cloned().unwrap_or(Value::Unknown);
    let text = |i: usize| args.get(i).and_then(Value::as_string);
    match name {
        "lower" => text(0).map_or(Error, |s| string(s.to_lowercase())),
        "upper" => text(0).map_or(Error, |s| string(s.to_uppercase())),
        "title" => text(0).map_or(Error, |s| string(title(&s))),
        "trimspace" => text(0).map_or(Error, |s| string(s.trim())),
        "chomp" => text(0).map_or(Error, |s| string(s.trim_end_matches(['\n', '\r']))),
        "trimprefix" => match (text(0), text(1)) {
            (Some(s), Some(p)) => string(s.strip_prefix(p.as_str()).unwrap_or(&s)),
            _ => Error,
        },
        "trimsuffix" => match (text(0), text(1)) {
            (Some(s), Some(p)) => string(s.strip_suffix(p.as_str()).unwrap_or(&s)),
            _ => Error,
        },
        "trim" => match (text(0), text(1)) {
            (Some(s), Some(chars)) => string(s.trim_matches(|c| chars.contains(c))),
            _ => Error,
        },
        "startswith" => match (text(0), text(1)) {
            (Some(s), Some(p)) => ok(Value::Bool(s.starts_with(&p))),
            _ => Error,
        },
        "endswith" => match (text(0), text(1)) {
            (Some(s), Some(p)) => ok(Value::Bool(s.ends_with(&p))),
            _ => Error,
        },
        "strcontains" => match (text(0), text(1)) {
            (Some(s), Some(p)) => ok(Value::Bool(s.contains(&p))),
            _ => Error,
        },
        "replace" => match (text(0), text(1), text(2)) {
            (Some(s), Some(from), Some(to)) => {
                if from.len() > 1 && from.starts_with('/') && from.ends_with('/') {
                    // Regular-expression replacement is not evaluated.
                    Unknown
                } else {
                    string(s.replace(&from, &to))
                }
            }
            _ => Error,
        },
        "substr" => match (text(0), arg(1).as_number(), arg(2).as_number()) {
            (Some(s), Some(offset), Some(length)) => {
                let chars: Vec<char> = s.chars().collect();
                let start = (offset.max(0.0) as usize).min(chars.len());
                let end = if length < 0.0 {
                    chars.len()
                } else {
                    (start + length as usize).min(chars.len())
                };
                string(chars[start..end].iter().collect::<String>())
            }
            _ => Error,
        },
        "join" => match (text(0), arg(1)) {
            (Some(sep), Value::List(_)) => {
                let mut parts = Vec::new();
                for list in args.iter().skip(1) {
                    let Some(items) = list.elements() else {
                        return Error;
                    };
                    for item in items {
                        let Some(s) = item.as_string() else {
                            return Error;
                        };
                        parts.push(s);
                    }
                }
                string(parts.join(&sep))
            }
            _ => Error,
        },
        "split" => match (text(0), text(1)) {
            (Some(sep), Some(s)) if !sep.is_empty() => {
                ok(Value::list(s.split(sep.as_str()).map(Value::str).collect()))
            }
            _ => Error,
        },
        "format" => match text(0) {
            Some(spec) => format(&spec, args.get(1..).unwrap_or_default()).map_or(Error, string),
            None => Error,
        },
        "formatlist" => formatlist(&args),
        "tostring" => match arg(0) {
            Value::Null => ok(Value::Null),
            v => v.as_string().map_or(Error, string),
        },
        "tonumber" => arg(0).as_number().map_or(Error, |n| ok(Value::Number(n))),
        "tobool" => arg(0).as_bool().map_or(Error, |b| ok(Value::Bool(b))),
        "nonsensitive" => ok(arg(0)),
        "sensitive" => match arg(0) {
            Value::Unknown => ok(Value::Unknown),
            _ => ok(Value::redacted("sensitive() value")),
        },
        "length" => match arg(0) {
            Value::List(items) => ok(Value::Number(items.len() as f64)),
            Value::Map(map) => ok(Value::Number(map.len() as f64)),
            Value::String(s) => ok(Value::Number(s.chars().count() as f64)),
            _ => Error,
        },
        "keys" => match arg(0) {
            Value::Map(map) => ok(Value::list(map.keys().map(Value::str).collect())),
            _ => Error,
        },
        "values" => match arg(0) {
            Value::Map(map) => ok(Value::list(map.values().cloned().collect())),
            _ => Error,
        },
        "lookup" => match (arg(0), text(1)) {
            (Value::Map(map), Some(key)) => match map.get(&key) {
                Some(v) => ok(v.clone()),
                None => args.get(2).cloned().map_or(Error, ok),
            },
            _ => Error,
        },
        "element" => match (arg(0), arg(1).as_number()) {
            (Value::List(items), Some(i)) if !items.is_empty() => {
                ok(items[(i.max(0.0) as usize) % items.len()].clone())
            }
            _ => Error,
        },
        "index" => match arg(0) {
            Value::List(items) => items
                .iter()
                .position(|v| *v == arg(1))
                .map_or(Error, |i| ok(Value::Number(i as f64))),
            _ => Error,
        },
        "contains" => match arg(0) {
            Value::List(items) => ok(Value::Bool(items.contains(&arg(1)))),
            _ => Error,
        },
        "merge" => {
            let mut out = BTreeMap::new();
            for a in args {
                match a {
                    Value::Map(map) => out.extend(Value::into_entries(map)),
                    Value::Null => {}
                    _ => return Error,
                }
            }
            ok(Value::map(out))
        }
        "concat" => {
            let mut out = Vec::new();
            for a in args {
                match a {
                    Value::List(items) => out.extend(Value::into_items(items)),
                    _ => return Error,
                }
            }
            ok(Value::list(out))
        }
        "coalesce" => {
            for a in args {
                match a {
                    Value::Unknown => return Unknown,
                    Value::Null => {}
                    Value::String(s) if s.is_empty() => {}
                    v => return ok(v),
                }
            }
            Error
        }
        "coalescelist" => {
            for a in args {
                match a {
                    Value::List(items) if items.is_empty() => {}
                    Value::List(items) => return ok(Value::List(items)),
                    _ => return Error,
                }
            }
            Error
        }
        "compact" => match arg(0) {
            Value::List(items) => ok(Value::list(
                items
                    .iter()
                    .filter(|v| !matches!(v, Value::Null) && v.as_str() != Some(""))
                    .cloned()
                    .collect(),
            )),
            _ => Error,
        },
        "distinct" | "toset" => match arg(0) {
            Value::List(items) => {
                let mut out: Vec<Value> = Vec::new();
                for item in items.iter() {
                    if !out.contains(item) {
                        out.push(item.clone());
                    }
                }
                if name == "toset" {
                    sort_values(&mut out);
                }
                ok(Value::list(out))
            }
            _ => Error,
        },
        "tolist" => match arg(0) {
            v @ Value::List(_) => ok(v),
            _ => Error,
        },
        "tomap" => match arg(0) {
            v @ Value::Map(_) => ok(v),
            _ => Error,
        },
        "flatten" => {
            fn flat(v: Value, out: &mut Vec<Value>) {
                match v {
                    Value::List(items) => Value::into_items(items)
                        .into_iter()
                        .for_each(|i| flat(i, out)),
                    other => out.push(other),
                }
            }
            let mut out = Vec::new();
            match arg(0) {
                v @ Value::List(_) => flat(v, &mut out),
                _ => return Error,
            }
            ok(Value::list(out))
        }
        "one" => match arg(0) {
            Value::List(items) if items.is_empty() => ok(Value::Null),
            Value::List(items) if items.len() == 1 => ok(items[0].clone()),
            _ => Error,
        },
        "slice" => match (arg(0), arg(1).as_number(), arg(2).as_number()) {
            (Value::List(items), Some(start), Some(end)) => {
                let (start, end) = (start as usize, end as usize);
                items
                    .get(start..end)
                    .map_or(Error, |s| ok(Value::list(s.to_vec())))
            }
            _ => Error,
        },
        "reverse" => match arg(0) {
            Value::List(items) => {
                let mut items = Value::into_items(items);
                items.reverse();
                ok(Value::list(items))
            }
            _ => Error,
        },
        "sort" => match arg(0) {
            Value::List(items) => {
                let mut items = Value::into_items(items);
                sort_values(&mut items);
                ok(Value::list(items))
            }
            _ => Error,
        },
        "zipmap" => match (arg(0), arg(1)) {
            (Value::List(keys), Value::List(values)) if keys.len() == values.len() => {
                let mut out = BTreeMap::new();
                for (k, v) in keys.iter().zip(values.iter()) {
                    let Some(k) = k.as_string() else {
                        return Unknown;
                    };
                    out.insert(k, v.clone());
                }
                ok(Value::map(out))
            }
            _ => Error,
        },
        "range" => {
            let numbers: Option<Vec<f64>> = args.iter().map(Value::as_number).collect();
            let Some(numbers) = numbers else { return Error };
            let (start, end, step) = match numbers.as_slice() {
                [end] => (0.0, *end, 1.0),
                [start, end] => (*start, *end, if end >= start { 1.0 } else { -1.0 }),
                [start, end, step] if *step != 0.0 => (*start, *end, *step),
                _ => return Error,
            };
            let mut out = Vec::new();
            let mut n = start;
            while (step > 0.0 && n < end) || (step < 0.0 && n > end) {
                if out.len() >= 1024 {
                    return Error;
                }
                out.push(Value::Number(n));
                n += step;
            }
            ok(Value::list(out))
        }
        "min" | "max" => {
            let numbers: Option<Vec<f64>> = args.iter().map(Value::as_number).collect();
            let numbers = numbers.filter(|n| !n.is_empty());
            numbers.map_or(Error, |n| {
                let pick = if name == "min" { f64::min } else { f64::max };
                ok(Value::Number(n.into_iter().reduce(pick).unwrap_or(0.0)))
            })
        }
        "abs" => arg(0)
            .as_number()
            .map_or(Error, |n| ok(Value::Number(n.abs()))),
        "ceil" => arg(0)
            .as_number()
            .map_or(Error, |n| ok(Value::Number(n.ceil()))),
        "floor" => arg(0)
            .as_number()
            .map_or(Error, |n| ok(Value::Number(n.floor()))),
        "jsonencode" => arg(0).to_json().map_or(Unknown, |j| string(j.to_string())),
        "jsondecode" => text(0)
            .and_then(|s| serde_json::from_str::<serde_json::Value>(&s).ok())
            .map_or(Error, |j| ok(Value::from_json(&j))),
        "base64encode" => text(0).map_or(Error, |s| string(base64_encode(s.as_bytes()))),
        "base64decode" => text(0)
            .and_then(|s| base64_decode(&s))
            .and_then(|b| String::from_utf8(b).ok())
            .map_or(Error, string),
        "basename" => text(0).map_or(Error, |s| {
            string(
                s.trim_end_matches('/')
                    .rsplit('/')
                    .next()
                    .unwrap_or_default(),
            )
        }),
        "dirname" => text(0).map_or(Error, |s| {
            string(
                s.rsplit_once('/')
                    .map_or(".", |(dir, _)| if dir.is_empty() { "/" } else { dir }),
            )
        }),
        "cidrsubnet" => match (text(0), arg(1).as_number(), arg(2).as_number()) {
            (Some(prefix), Some(bits), Some(num)) => {
                cidr_subnet(&prefix, bits as u32, num as u64).map_or(Error, string)
            }
            _ => Error,
        },
        "cidrhost" => match (text(0), arg(1).as_number()) {
            (Some(prefix), Some(num)) => cidr_host(&prefix, num as u64).map_or(Error, string),
            _ => Error,
        },
        "file" | "templatefile" => read_file(base, text(0)).map_or(Unknown, |content| {
            if name == "file" {
                string(content)
            } else {
                // Rendering template files would need the template
                // language over a variable map; kept unknown for now.
                Unknown
            }
        }),
        _ => Unknown,
    }
}

fn read_file(base: Option<&Path>, path: Option<String>) -> Option<String> {
    let path = path?;
    if path.contains("..") || path.starts_with('/') {
        return None;
    }
    std::fs::read_to_string(base?.join(path)).ok()
}

fn title(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut start = true;
    for c in s.chars() {
        if start && c.is_alphabetic() {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        start = !c.is_alphanumeric();
    }
    out
}

fn sort_values(values: &mut [Value]) {
    values.sort_by(|a, b| match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.total_cmp(y),
        _ => a.as_string().cmp(&b.as_string()),
    });
}

/// Terraform's `format`: `%s`, `%d`, `%v`, `%q`, `%f` with flags and width.
fn format(spec: &str, args: &[Value]) -> Option<String> {
    let mut out = String::new();
    let mut chars = spec.chars().peekable();
    let mut next = 0usize;
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut flags = String::new();
        while let Some(&f) = chars.peek() {
            if f.is_ascii_digit() || matches!(f, '-' | '+' | '#' | ' ' | '.') {
                flags.push(f);
                chars.next();
            } else {
                break;
            }
        }
        let verb = chars.next()?;
        if verb == '%' {
            out.push('%');
            continue;
        }
        let value = args.get(next)?;
        next += 1;
        let text = match verb {
            's' | 'v' => match value {
                Value::List(_) | Value::Map(_) => value.to_json()?.to_string(),
                _ => value.as_string()?,
            },
            'q' => serde_json::Value::String(value.as_string()?).to_string(),
            'd' => format_number(value.as_number()?.trunc()),
            'f' => {
                let precision = flags
                    .split_once('.')
                    .and_then(|(_, p)| p.parse().ok())
                    .unwrap_or(6);
                format!("{:.*}", precision, value.as_number()?)
            }
            't' => value.as_bool()?.to_string(),
            _ => return None,
        };
        let width: usize = flags
            .trim_start_matches(['-', '+', '#', ' '])
            .split('.')
            .next()
            .and_then(|w| w.parse().ok())
            .unwrap_or(0);
        let zero = flags.starts_with('0');
        if text.chars().count() < width {
            let pad = width - text.chars().count();
            if flags.starts_with('-') {
                out.push_str(&text);
                out.push_str(&" ".repeat(pad));
            } else {
                out.push_str(&(if zero { "0" } else { " " }).repeat(pad));
                out.push_str(&text);
            }
        } else {
            out.push_str(&text);
        }
    }
    Some(out)
}

fn formatlist(args: &[Value]) -> Outcome {
    let Some(spec) = args.first().and_then(Value::as_string) else {
        return Error;
    };
    let rest = args.get(1..).unwrap_or_default();
    let len = rest.iter().find_map(|a| match a {
        Value::List(items) => Some(items.len()),
        _ => None,
    });
    let Some(len) = len else {
        return format(&spec, rest).map_or(Error, |s| ok(Value::list(vec![Value::str(s)])));
    };
    let mut out = Vec::new();
    for i in 0..len {
        let row: Vec<Value> = rest
            .iter()
            .map(|a| match a {
                Value::List(items) => items.get(i).cloned().unwrap_or(Value::Null),
                other => other.clone(),
            })
            .collect();
        match format(&spec, &row) {
            Some(s) => out.push(Value::str(s)),
            None => return Error,
        }
    }
    ok(Value::list(out))
}

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn base64_encode(bytes: &[u8]) -> String {
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(BASE64[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut buffer = 0u32;
    let mut bits = 0;
    for c in text
        .bytes()
        .filter(|c| !c.is_ascii_whitespace() && *c != b'=')
    {
        let v = BASE64.iter().position(|&b| b == c)? as u32;
        buffer = (buffer << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    Some(out)
}

fn parse_cidr(prefix: &str) -> Option<(u32, u32)> {
    let (addr, len) = prefix.split_once('/')?;
    let addr: std::net::Ipv4Addr = addr.parse().ok()?;
    let len: u32 = len.parse().ok()?;
    (len <= 32).then_some((u32::from(addr), len))
}

fn cidr_subnet(prefix: &str, newbits: u32, num: u64) -> Option<String> {
    let (addr, len) = parse_cidr(prefix)?;
    let new_len = len.checked_add(newbits).filter(|l| *l <= 32)?;
    if newbits < 64 && num >= (1u64 << newbits) {
        return None;
    }
    let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
    let shift = 32 - new_len;
    let net = (addr & mask) | ((num as u32).checked_shl(shift).unwrap_or(0));
    Some(format!("{}/{new_len}", std::net::Ipv4Addr::from(net)))
}

fn cidr_host(prefix: &str, num: u64) -> Option<String> {
    let (addr, len) = parse_cidr(prefix)?;
    let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
    let host_bits = 32 - len;
    if host_bits < 64 && num >= (1u64 << host_bits) {
        return None;
    }
    Some(std::net::Ipv4Addr::from((addr & mask) | num as u32).to_string())
}
