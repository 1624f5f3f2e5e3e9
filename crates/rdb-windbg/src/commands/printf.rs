//! `.printf "format" [, arg, ...]`, WinDbg's way: C's conversions on 64-bit MASM values (`%d`, `%i`, `%u`, `%x`,
//! `%X`, `%o`, `%c` as 32-bit values unless `I64`, `ll` or `l` widen them; `%f`, `%e`, `%g` as a 32-bit float
//! unless `l` makes it a double), and the debugger's own: `%p` a pointer, `%N` the same, `%ma` and `%s` the ASCII
//! string at an address, `%mu` the UTF-16 one, `%msa`/`%msu` an `ANSI_STRING`/`UNICODE_STRING` at an address,
//! `%y` the symbol at an address and `%ly` with its source line. Text from the debuggee (strings, names) has its
//! control characters escaped; the format's own `\n` ends a line.

use rdb_engine::fmt::addr64;
use rdb_engine::memory::ReadMemory;
use rdb_engine::{Error, Result};

use super::{Cx, Flow};

/// The most characters a `%ma`/`%mu` string is read to: a string with no end in sight is cut there.
const MAX_STRING: usize = 0x1000;

/// The format string: double-quoted, with C's escapes (`\n`, `\t`, `\\`, `\"`).
fn format_string(text: &str) -> Result<(String, &str)> {
    let text = text.trim_start();
    let body =
        text.strip_prefix('"').ok_or_else(|| Error::msg("Syntax error: .printf takes a quoted format string"))?;
    let mut out = String::new();
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Ok((out, &body[i + 1..])),
            '\\' => match chars.next().map(|(_, e)| e) {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some('r') => out.push('\r'),
                Some(e) => out.push(e),
                None => break,
            },
            c => out.push(c),
        }
    }
    Err(Error::msg("Syntax error: unterminated format string"))
}

/// The arguments after the format: expressions separated by commas outside brackets and quotes.
fn arguments(text: &str) -> Result<Vec<&str>> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(Vec::new());
    }
    let Some(text) = text.strip_prefix(',') else { return Err(Error::msg(format!("Syntax error at '{text}'"))) };
    let (mut args, mut start, mut depth, mut quote) = (Vec::new(), 0, 0usize, None);
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"') => quote = Some(c),
            (None, '(' | '[') => depth += 1,
            (None, ')' | ']') => depth = depth.saturating_sub(1),
            (None, ',') if depth == 0 => {
                args.push(text[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    args.push(text[start..].trim());
    if args.iter().any(|a| a.is_empty()) {
        return Err(Error::msg("Syntax error: an empty .printf argument"));
    }
    Ok(args)
}

/// One conversion: flags, width, precision, size and the conversion letters.
#[derive(Default)]
struct Spec {
    left: bool,
    zero: bool,
    plus: bool,
    space: bool,
    alternate: bool,
    width: usize,
    precision: Option<usize>,
    wide: bool,
}

/// Pad `text` to the spec's width.
fn pad(spec: &Spec, text: String, numeric: bool) -> String {
    let len = text.chars().count();
    if len >= spec.width {
        return text;
    }
    let fill = spec.width - len;
    if spec.left {
        format!("{text}{}", " ".repeat(fill))
    } else if spec.zero && numeric {
        // Zeros go after a sign or a 0x.
        let head = if text.starts_with(['-', '+', ' ']) {
            1
        } else if text.starts_with("0x") || text.starts_with("0X") {
            2
        } else {
            0
        };
        format!("{}{}{}", &text[..head], "0".repeat(fill), &text[head..])
    } else {
        format!("{}{text}", " ".repeat(fill))
    }
}

/// `.printf`: write the formatted text; a line without its newline waits for the next `.printf` (or ends when
/// another command runs).
pub fn printf(cx: &mut Cx, args: &str) -> Result<Flow> {
    let mut rest = args.trim_start();
    // `/D` (markup) and WinDbg's window-colour options `/o<x>` change nothing on a terminal.
    while let Some(option) = rest.strip_prefix('/') {
        let end = option.find(char::is_whitespace).unwrap_or(option.len());
        rest = option[end..].trim_start();
    }
    let (format, rest) = format_string(rest)?;
    let args = arguments(rest)?;
    let text = render(cx, &format, &args)?;
    let mut line = std::mem::take(&mut cx.console.printf_line);
    line.push_str(&text);
    let mut lines: Vec<&str> = line.split('\n').collect();
    let unfinished = lines.pop().unwrap_or_default().to_string();
    for l in lines {
        cx.out(l);
    }
    cx.console.printf_line = unfinished;
    Ok(Flow::Next)
}

fn render(cx: &mut Cx, format: &str, args: &[&str]) -> Result<String> {
    let mut out = String::new();
    let mut args = args.iter();
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        if chars.peek() == Some(&'%') {
            chars.next();
            out.push('%');
            continue;
        }
        let mut spec = Spec::default();
        while let Some(&f) = chars.peek() {
            match f {
                '-' => spec.left = true,
                '0' => spec.zero = true,
                '+' => spec.plus = true,
                ' ' => spec.space = true,
                '#' => spec.alternate = true,
                _ => break,
            }
            chars.next();
        }
        let digits = |chars: &mut std::iter::Peekable<std::str::Chars>| {
            let mut n = 0usize;
            while let Some(d) = chars.peek().and_then(|c| c.to_digit(10)) {
                n = n.saturating_mul(10).saturating_add(d as usize).min(0x1000);
                chars.next();
            }
            n
        };
        spec.width = digits(&mut chars);
        if chars.peek() == Some(&'.') {
            chars.next();
            spec.precision = Some(digits(&mut chars));
        }
        // Sizes: I64, ll, l, h, I32; the letters that follow decide.
        let mut size = String::new();
        while let Some(&s) = chars.peek() {
            if matches!(s, 'l' | 'h' | 'I' | '3' | '2' | '6' | '4') {
                size.push(s);
                chars.next();
            } else {
                break;
            }
        }
        spec.wide = matches!(size.as_str(), "I64" | "ll" | "l" | "I");
        let Some(conversion) = chars.next() else { return Err(Error::msg("Syntax error: the format ends inside a %")) };
        // `%ma`, `%mu`, `%msa`, `%msu`; `%ly` is `l` then `y`.
        let conversion = match conversion {
            'm' => {
                let mut word = String::from("m");
                while let Some(&n) = chars.peek().filter(|n| matches!(n, 's' | 'a' | 'u')) {
                    word.push(n);
                    chars.next();
                    if n != 's' {
                        break;
                    }
                }
                word
            }
            c => c.to_string(),
        };
        let Some(arg) = args.next() else {
            return Err(Error::msg(format!("Too few arguments for '%{conversion}' in the .printf format")));
        };
        let value = cx.eval(arg)?;
        out.push_str(&convert(cx, &spec, &size, &conversion, value)?);
    }
    Ok(out)
}

fn convert(cx: &mut Cx, spec: &Spec, size: &str, conversion: &str, value: u64) -> Result<String> {
    // Without a 64-bit size, an integer is C's 32-bit one.
    let narrow = |v: u64| if spec.wide { v } else { v & 0xffff_ffff };
    let signed = |v: u64| if spec.wide { v as i64 } else { i64::from(v as u32 as i32) };
    let sign = |text: String, negative: bool| match (negative, spec.plus, spec.space) {
        (false, true, _) => format!("+{text}"),
        (false, false, true) => format!(" {text}"),
        _ => text,
    };
    let text = match conversion {
        "d" | "i" => {
            let v = signed(value);
            (sign(v.to_string(), v < 0), true)
        }
        "u" => (narrow(value).to_string(), true),
        "x" => (format!("{}{:x}", if spec.alternate { "0x" } else { "" }, narrow(value)), true),
        "X" => (format!("{}{:X}", if spec.alternate { "0X" } else { "" }, narrow(value)), true),
        "o" => (format!("{}{:o}", if spec.alternate { "0" } else { "" }, narrow(value)), true),
        "c" => (crate::printable(&char::from(value as u8).to_string()).into_owned(), false),
        "p" | "N" => (format!("{value:016x}"), false),
        "f" | "e" | "g" | "E" | "G" => {
            let v = if size.contains('l') { f64::from_bits(value) } else { f64::from(f32::from_bits(value as u32)) };
            let p = spec.precision.unwrap_or(6);
            let text = match conversion {
                "f" => format!("{v:.p$}"),
                "e" | "E" => format!("{v:.p$e}"),
                _ => format!("{v}"),
            };
            (if conversion.chars().all(char::is_uppercase) { text.to_uppercase() } else { text }, true)
        }
        "ma" | "s" => (read_string(cx, value, 1, spec.precision)?, false),
        "mu" => (read_string(cx, value, 2, spec.precision)?, false),
        "msa" | "msu" => {
            // Length (bytes, u16), MaximumLength (u16), padding, Buffer (u64): the x64 layout.
            let mut header = [0u8; 16];
            cx.session().memory()?.read_exact(value, &mut header)?;
            let length = usize::from(u16::from_le_bytes([header[0], header[1]]));
            let buffer = u64::from_le_bytes(header[8..16].try_into().unwrap_or_default());
            let unit = if conversion == "msu" { 2 } else { 1 };
            (read_string(cx, buffer, unit, Some(length / unit))?, false)
        }
        "y" => (symbol(cx, value, size == "l"), false),
        other => return Err(Error::msg(format!("Unknown .printf conversion '%{size}{other}'"))),
    };
    Ok(pad(spec, text.0, text.1))
}

/// `%y`: `prog!main+0x4 (00005555`55555149)`; `%ly` adds the line, `[/src/prog.c @ 12]`; an address no symbol
/// covers is the address alone.
fn symbol(cx: &mut Cx, address: u64, with_line: bool) -> String {
    let session = cx.session();
    let Some(name) = session.modules.describe(address) else { return addr64(address) };
    let line = with_line
        .then(|| session.modules.source_line(address))
        .flatten()
        .map(|l| format!(" [{} @ {}]", l.file.display(), l.line))
        .unwrap_or_default();
    crate::printable(&format!("{name}{line} ({})", addr64(address))).into_owned()
}

/// The NUL-terminated string at `address` of `unit`-byte characters (1 ASCII, 2 UTF-16), at most `limit`
/// characters, its control characters escaped.
fn read_string(cx: &mut Cx, address: u64, unit: usize, limit: Option<usize>) -> Result<String> {
    let limit = limit.unwrap_or(MAX_STRING).min(MAX_STRING);
    let mut bytes = vec![0u8; limit * unit];
    let n = cx.session().read_memory(address, &mut bytes)?;
    bytes.truncate(n - n % unit);
    let text = if unit == 1 {
        let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
        String::from_utf8_lossy(&bytes[..end]).into_owned()
    } else {
        let units: Vec<u16> =
            bytes.chunks(2).map(|c| u16::from_le_bytes([c[0], c[1]])).take_while(|&u| u != 0).collect();
        String::from_utf16_lossy(&units)
    };
    Ok(crate::printable(&text).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_strings_and_arguments() {
        assert_eq!(format_string(r#" "a\tb\n\"c\"" , 1"#).unwrap(), ("a\tb\n\"c\"".to_string(), " , 1"));
        assert!(format_string("x").is_err());
        assert!(format_string("\"open").is_err());
        assert_eq!(arguments(", 1, poi(@rsp+8), \"a,b\"").unwrap(), ["1", "poi(@rsp+8)", "\"a,b\""]);
        assert!(arguments("junk").is_err());
        assert!(arguments(", 1,").is_err());
        assert_eq!(arguments("").unwrap(), Vec::<&str>::new());
    }
}
