//! A minimal, strict JSON reader and writer with no serde and no floating point.
//!
//! [`parse`] reads RFC 8259 JSON into a [`Value`] tree, as strictly as `serde_json`: no
//! trailing commas, comments, leading zeros or control characters in strings; `\uXXXX`
//! escapes with surrogate pairs (a lone surrogate is an error); at most [`MAX_DEPTH`] nested
//! arrays and objects; nothing but whitespace after the value. It never panics. Numbers are
//! kept as integers when they are integers in the `i64`/`u64` range and as [`Num::Other`]
//! otherwise (a fraction, an exponent, or too big): every number in the protocol is an
//! integer, and an integer field given anything else is an error, as with serde. There is
//! deliberately no `f64` here: float parsing and printing would cost kilobytes of wasm.
//!
//! The writer half ([`Writer`]) escapes strings exactly as `serde_json` does, so the encoder
//! built on it produces byte-identical output.

use std::fmt;

/// Nesting limit of arrays and objects, as in `serde_json`: at most `MAX_DEPTH - 1` levels.
pub const MAX_DEPTH: usize = 128;

/// Why a text could not be decoded: bad JSON, or JSON that is not the expected shape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeError {
    message: String,
}

impl DecodeError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        DecodeError {
            message: message.into(),
        }
    }

    pub(crate) fn missing(field: &str) -> Self {
        DecodeError::new(["missing field `", field, "`"].concat())
    }

    pub(crate) fn duplicate(field: &str) -> Self {
        DecodeError::new(["duplicate field `", field, "`"].concat())
    }

    pub(crate) fn expected(what: &str) -> Self {
        DecodeError::new(["invalid type: expected ", what].concat())
    }

    pub(crate) fn unknown_variant(name: &str) -> Self {
        DecodeError::new(["unknown variant `", name, "`"].concat())
    }

    /// What went wrong, in words.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DecodeError {}

type Result<T> = std::result::Result<T, DecodeError>;

/// A JSON number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Num {
    /// A non-negative integer that fits in a `u64` (`-0` is [`Num::Other`], as in serde_json).
    Pos(u64),
    /// A negative integer that fits in an `i64`.
    Neg(i64),
    /// Any other number: a fraction, an exponent, or an integer out of range.
    Other,
}

/// A parsed JSON value. Objects keep their fields in order, duplicates included.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    Null,
    Bool(bool),
    Num(Num),
    Str(String),
    Arr(Vec<Value>),
    Obj(Vec<(String, Value)>),
}

/// Parses one JSON text.
pub fn parse(text: &str) -> Result<Value> {
    let mut p = Parser {
        t: text,
        s: text.as_bytes(),
        i: 0,
    };
    let v = p.value(MAX_DEPTH)?;
    p.ws();
    if p.i != p.s.len() {
        return Err(DecodeError::new("trailing characters"));
    }
    Ok(v)
}

struct Parser<'a> {
    t: &'a str,
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.i += 1;
        }
    }

    fn eof() -> DecodeError {
        DecodeError::new("EOF while parsing")
    }

    fn lit(&mut self, word: &[u8], v: Value) -> Result<Value> {
        if self.s.get(self.i..self.i + word.len()) == Some(word) {
            self.i += word.len();
            Ok(v)
        } else {
            Err(DecodeError::new("expected value"))
        }
    }

    /// `depth`: how many more arrays/objects may be opened.
    fn value(&mut self, depth: usize) -> Result<Value> {
        self.ws();
        match self.peek().ok_or_else(Self::eof)? {
            b'n' => self.lit(b"null", Value::Null),
            b't' => self.lit(b"true", Value::Bool(true)),
            b'f' => self.lit(b"false", Value::Bool(false)),
            b'"' => self.string().map(Value::Str),
            b'-' | b'0'..=b'9' => self.number().map(Value::Num),
            b'[' => {
                let depth = Self::deeper(depth)?;
                self.i += 1;
                let mut items = Vec::new();
                self.ws();
                if self.peek() == Some(b']') {
                    self.i += 1;
                    return Ok(Value::Arr(items));
                }
                loop {
                    items.push(self.value(depth)?);
                    self.ws();
                    match self.peek().ok_or_else(Self::eof)? {
                        b',' => self.i += 1,
                        b']' => {
                            self.i += 1;
                            return Ok(Value::Arr(items));
                        }
                        _ => return Err(DecodeError::new("expected `,` or `]`")),
                    }
                }
            }
            b'{' => {
                let depth = Self::deeper(depth)?;
                self.i += 1;
                let mut fields = Vec::new();
                self.ws();
                if self.peek() == Some(b'}') {
                    self.i += 1;
                    return Ok(Value::Obj(fields));
                }
                loop {
                    self.ws();
                    match self.peek().ok_or_else(Self::eof)? {
                        b'"' => {}
                        _ => return Err(DecodeError::new("key must be a string")),
                    }
                    let key = self.string()?;
                    self.ws();
                    match self.peek().ok_or_else(Self::eof)? {
                        b':' => self.i += 1,
                        _ => return Err(DecodeError::new("expected `:`")),
                    }
                    let v = self.value(depth)?;
                    fields.push((key, v));
                    self.ws();
                    match self.peek().ok_or_else(Self::eof)? {
                        b',' => self.i += 1,
                        b'}' => {
                            self.i += 1;
                            return Ok(Value::Obj(fields));
                        }
                        _ => return Err(DecodeError::new("expected `,` or `}`")),
                    }
                }
            }
            _ => Err(DecodeError::new("expected value")),
        }
    }

    fn deeper(depth: usize) -> Result<usize> {
        match depth {
            0 | 1 => Err(DecodeError::new("recursion limit exceeded")),
            d => Ok(d - 1),
        }
    }

    fn number(&mut self) -> Result<Num> {
        let neg = self.peek() == Some(b'-');
        if neg {
            self.i += 1;
        }
        let invalid = || DecodeError::new("invalid number");
        // As serde_json (without `float_roundtrip`): digits accumulate into a `u64`
        // significand while they fit; an integer digit past that raises the exponent, a
        // fraction digit that fits lowers it, later fraction digits are dropped.
        let mut sig: u64 = 0;
        let mut exp: i32 = 0;
        let mut full = false;
        let first = self.peek().ok_or_else(Self::eof)?;
        if !first.is_ascii_digit() {
            return Err(invalid());
        }
        let mut int_digits = 0;
        while let Some(d @ b'0'..=b'9') = self.peek() {
            if int_digits == 1 && first == b'0' {
                return Err(invalid());
            }
            int_digits += 1;
            self.i += 1;
            match sig
                .checked_mul(10)
                .and_then(|v| v.checked_add(u64::from(d - b'0')))
            {
                Some(v) if !full => sig = v,
                _ => {
                    full = true;
                    exp = exp.saturating_add(1);
                }
            }
        }
        let mut integer = !full;
        if self.peek() == Some(b'.') {
            self.i += 1;
            integer = false;
            let mut any = false;
            let mut dropping = false;
            while let Some(d @ b'0'..=b'9') = self.peek() {
                any = true;
                self.i += 1;
                if dropping {
                    continue;
                }
                match sig
                    .checked_mul(10)
                    .and_then(|v| v.checked_add(u64::from(d - b'0')))
                {
                    Some(v) => {
                        sig = v;
                        exp = exp.saturating_sub(1);
                    }
                    None => dropping = true,
                }
            }
            if !any {
                return Err(invalid());
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.i += 1;
            integer = false;
            let positive = match self.peek() {
                Some(b'-') => {
                    self.i += 1;
                    false
                }
                Some(b'+') => {
                    self.i += 1;
                    true
                }
                _ => true,
            };
            let mut e: i32 = 0;
            let mut any = false;
            let mut overflow = false;
            while let Some(d @ b'0'..=b'9') = self.peek() {
                any = true;
                self.i += 1;
                match e
                    .checked_mul(10)
                    .and_then(|v| v.checked_add(i32::from(d - b'0')))
                {
                    Some(v) if !overflow => e = v,
                    _ => overflow = true,
                }
            }
            if !any {
                return Err(invalid());
            }
            if overflow {
                return if sig != 0 && positive {
                    Err(out_of_range())
                } else {
                    Ok(Num::Other)
                };
            }
            exp = if positive {
                exp.saturating_add(e)
            } else {
                exp.saturating_sub(e)
            };
        }
        if integer {
            return Ok(if !neg {
                Num::Pos(sig)
            } else if sig == 0 {
                // serde_json reads `-0` as the float -0.0, which no integer field accepts.
                Num::Other
            } else if sig <= 1 << 63 {
                // -(2^63) is i64::MIN; wrapping handles it.
                Num::Neg((sig as i64).wrapping_neg())
            } else {
                Num::Other
            });
        }
        if sig != 0 && exp > 288 && (exp > 308 || too_big(sig, exp)) {
            return Err(out_of_range());
        }
        Ok(Num::Other)
    }

    fn hex4(&mut self) -> Result<u32> {
        let mut v = 0;
        for _ in 0..4 {
            let b = self.peek().ok_or_else(Self::eof)?;
            let d = match b {
                b'0'..=b'9' => b - b'0',
                b'a'..=b'f' => b - b'a' + 10,
                b'A'..=b'F' => b - b'A' + 10,
                _ => return Err(DecodeError::new("invalid escape")),
            };
            v = v * 16 + u32::from(d);
            self.i += 1;
        }
        Ok(v)
    }

    /// At the opening quote.
    fn string(&mut self) -> Result<String> {
        self.i += 1;
        let mut out = String::new();
        loop {
            let start = self.i;
            while let Some(b) = self.peek() {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.i += 1;
            }
            // We stopped at an ASCII byte (or the end): a character boundary.
            out.push_str(self.t.get(start..self.i).unwrap_or_default());
            match self.peek().ok_or_else(Self::eof)? {
                b'"' => {
                    self.i += 1;
                    return Ok(out);
                }
                b'\\' => {
                    self.i += 1;
                    let e = self.peek().ok_or_else(Self::eof)?;
                    self.i += 1;
                    let c = match e {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let hi = self.hex4()?;
                            let code = match hi {
                                0xD800..=0xDBFF => {
                                    if self.s.get(self.i..self.i + 2) != Some(b"\\u") {
                                        return Err(DecodeError::new("lone leading surrogate"));
                                    }
                                    self.i += 2;
                                    let lo = self.hex4()?;
                                    if !(0xDC00..=0xDFFF).contains(&lo) {
                                        return Err(DecodeError::new("lone leading surrogate"));
                                    }
                                    0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                                }
                                0xDC00..=0xDFFF => {
                                    return Err(DecodeError::new("lone trailing surrogate"))
                                }
                                c => c,
                            };
                            char::from_u32(code)
                                .ok_or_else(|| DecodeError::new("invalid unicode escape"))?
                        }
                        _ => return Err(DecodeError::new("invalid escape")),
                    };
                    out.push(c);
                }
                _ => return Err(DecodeError::new("control character in string")),
            }
        }
    }
}

fn out_of_range() -> DecodeError {
    DecodeError::new("number out of range")
}

/// Whether `sig * 10^exp` (289 <= exp <= 308) overflows an `f64` as serde_json computes it
/// (the significand rounded to `f64`, times the rounded power of ten). This multiplication is
/// the only floating point here: no float is parsed or printed. Below 10^289 a `u64`
/// significand cannot overflow.
fn too_big(sig: u64, exp: i32) -> bool {
    const POW10: [f64; 20] = [
        1e289, 1e290, 1e291, 1e292, 1e293, 1e294, 1e295, 1e296, 1e297, 1e298, 1e299, 1e300, 1e301,
        1e302, 1e303, 1e304, 1e305, 1e306, 1e307, 1e308,
    ];
    let i = usize::try_from(exp - 289).unwrap_or(0);
    POW10.get(i).is_none_or(|p| (sig as f64 * p).is_infinite())
}

/// Builds JSON text the way `serde_json::to_string` lays it out (compact).
pub struct Writer {
    out: String,
    /// Whether the object being written already has a field (a comma is due).
    comma: bool,
}

impl Writer {
    pub fn new() -> Self {
        Writer {
            out: String::new(),
            comma: false,
        }
    }

    pub fn finish(self) -> String {
        self.out
    }

    pub fn begin_object(&mut self) {
        self.out.push('{');
        self.comma = false;
    }

    pub fn end_object(&mut self) {
        self.out.push('}');
        self.comma = true;
    }

    /// A field's name and colon; the value must follow.
    pub fn key(&mut self, name: &str) {
        if self.comma {
            self.out.push(',');
        }
        string(&mut self.out, name);
        self.out.push(':');
        self.comma = false;
    }

    fn done(&mut self) {
        self.comma = true;
    }

    pub fn str(&mut self, key: &str, v: &str) {
        self.key(key);
        string(&mut self.out, v);
        self.done();
    }

    pub fn u64(&mut self, key: &str, v: u64) {
        self.key(key);
        push_u64(&mut self.out, v);
        self.done();
    }

    pub fn i64(&mut self, key: &str, v: i64) {
        self.key(key);
        push_i64(&mut self.out, v);
        self.done();
    }

    pub fn bool(&mut self, key: &str, v: bool) {
        self.key(key);
        self.out.push_str(if v { "true" } else { "false" });
        self.done();
    }

    pub fn i64_array(&mut self, key: &str, v: &[i64]) {
        self.key(key);
        self.out.push('[');
        for (i, n) in v.iter().enumerate() {
            if i > 0 {
                self.out.push(',');
            }
            push_i64(&mut self.out, *n);
        }
        self.out.push(']');
        self.done();
    }

    pub fn str_array(&mut self, key: &str, v: &[String]) {
        self.key(key);
        self.out.push('[');
        for (i, s) in v.iter().enumerate() {
            if i > 0 {
                self.out.push(',');
            }
            string(&mut self.out, s);
        }
        self.out.push(']');
        self.done();
    }
}

fn push_u64(out: &mut String, mut v: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    for &b in &buf[i..] {
        out.push(char::from(b));
    }
}

fn push_i64(out: &mut String, v: i64) {
    if v < 0 {
        out.push('-');
    }
    push_u64(out, v.unsigned_abs());
}

/// A JSON string literal, escaped as `serde_json` escapes it: `"` and `\`, the short forms
/// `\b \f \n \r \t`, other control characters as `\u00xx` (lowercase hex), the rest as is.
pub fn string(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let esc: &str = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            0x08 => "\\b",
            0x0c => "\\f",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        if esc.is_empty() {
            out.push_str("\\u00");
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        } else {
            out.push_str(esc);
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        let n = |s: &str| {
            parse(s).map(|v| match v {
                Value::Num(n) => n,
                other => panic!("{other:?}"),
            })
        };
        assert_eq!(n("0"), Ok(Num::Pos(0)));
        assert_eq!(n("-0"), Ok(Num::Other));
        assert_eq!(n("18446744073709551615"), Ok(Num::Pos(u64::MAX)));
        assert_eq!(n("18446744073709551616"), Ok(Num::Other));
        assert_eq!(n("-9223372036854775808"), Ok(Num::Neg(i64::MIN)));
        assert_eq!(n("-9223372036854775809"), Ok(Num::Other));
        assert_eq!(n("1.5"), Ok(Num::Other));
        assert_eq!(n("1e3"), Ok(Num::Other));
        assert_eq!(n("1E+3"), Ok(Num::Other));
        // Out of the f64 range, where serde_json refuses the number even in an ignored field.
        for big in [
            "1e309".to_string(),
            "2e308".to_string(),
            "1.8e308".to_string(),
            "1e99999999999".to_string(),
            "1".repeat(310),
            format!("1{}.5", "0".repeat(309)),
            "-1e400".to_string(),
        ] {
            assert!(n(&big).is_err(), "{big}");
            assert!(
                serde_json::from_str::<serde_json::Value>(&big).is_err(),
                "{big}"
            );
        }
        for fine in [
            "1e308".to_string(),
            "1.7e308".to_string(),
            "0e99999999999".to_string(),
            "1e-99999999999".to_string(),
            "1".repeat(300),
            "0.0000000000000000000000000000001".to_string(),
            "17976931348623157e292".to_string(),
        ] {
            assert_eq!(n(&fine), Ok(Num::Other), "{fine}");
            assert!(
                serde_json::from_str::<serde_json::Value>(&fine).is_ok(),
                "{fine}"
            );
        }
        for bad in ["01", "-", "1.", ".5", "1e", "+1", "-01", "1.e3", "0x1"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn strings_match_serde_json() {
        for s in [
            "plain",
            "é \u{1F600} 日本",
            "quote \" back \\ slash / ",
            "\u{0}\u{1}\u{8}\u{9}\u{a}\u{b}\u{c}\u{d}\u{1f}\u{7f}",
            "",
        ] {
            let mut out = String::new();
            string(&mut out, s);
            assert_eq!(out, serde_json::to_string(s).unwrap());
            assert_eq!(parse(&out), Ok(Value::Str(s.into())));
        }
        assert_eq!(
            parse(r#""\ud83d\ude00 \u00e9\/\b\f\n\r\t\"\\""#),
            Ok(Value::Str("\u{1F600} é/\u{8}\u{c}\n\r\t\"\\".into()))
        );
        for bad in [
            r#""\ud83d""#,
            r#""\ud83d\u0041""#,
            r#""\ude00""#,
            r#""\ud83dx""#,
            r#""\x""#,
            r#""\u12""#,
            "\"a\nb\"",
            "\"abc",
            "\"\\",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
            assert!(serde_json::from_str::<String>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn structure() {
        assert_eq!(
            parse(" { \"a\" : [ 1 , true , null , { } , [ ] ] } \n"),
            Ok(Value::Obj(vec![(
                "a".into(),
                Value::Arr(vec![
                    Value::Num(Num::Pos(1)),
                    Value::Bool(true),
                    Value::Null,
                    Value::Obj(vec![]),
                    Value::Arr(vec![]),
                ])
            )]))
        );
        for bad in [
            "",
            " ",
            "[1,]",
            "{\"a\":1,}",
            "{\"a\"}",
            "{1:2}",
            "[1 2]",
            "nul",
            "truex",
            "[] []",
            "{\"a\":1}}",
            "'a'",
            "[",
            "{",
            "{\"a\":",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn depth_limit_like_serde_json() {
        let ok = "[".repeat(MAX_DEPTH - 1) + &"]".repeat(MAX_DEPTH - 1);
        assert!(parse(&ok).is_ok());
        assert!(serde_json::from_str::<serde_json::Value>(&ok).is_ok());
        let deep = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        assert!(parse(&deep).is_err());
        assert!(serde_json::from_str::<serde_json::Value>(&deep).is_err());
        assert!(parse(&"[".repeat(100_000)).is_err());
        assert!(parse(&"{\"a\":".repeat(100_000)).is_err());
    }

    #[test]
    fn integers_print_like_serde_json() {
        for v in [0, 1, -1, 9, 10, 12345, i64::MAX, i64::MIN] {
            let mut out = String::new();
            push_i64(&mut out, v);
            assert_eq!(out, v.to_string());
        }
        let mut out = String::new();
        push_u64(&mut out, u64::MAX);
        assert_eq!(out, u64::MAX.to_string());
    }
}
