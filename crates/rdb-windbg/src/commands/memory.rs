//! Memory commands: display (`db dw dd dq da du`), edit (`eb ew ed eq ea eu`), search (`s`), disassemble (`u`).

use rdb_engine::fmt::addr64;
use rdb_engine::session::DisassemblyLine;
use rdb_engine::{Error, Result};

use super::Cx;
use super::Flow;
use crate::parse::{length_word, take_quoted, take_word};
use crate::report;

/// The most a display or search command reads without complaint, as WinDbg's "Range error".
const MAX_RANGE: u64 = 0x10_0000;

/// Parse `<addr> [L<count> | <end>]`. `count` is in elements of `size` bytes. With no address, continue where the
/// last display ended.
pub(super) fn range(cx: &mut Cx, args: &str, size: u64, default_count: u64, next: Option<u64>) -> Result<(u64, u64)> {
    extent(cx, args, size, default_count, next).map(|(start, count, _)| (start, count))
}

/// As `range`, also returning the end address when the user gave one (`u` stops there rather than counting).
fn extent(
    cx: &mut Cx,
    args: &str,
    size: u64,
    default_count: u64,
    next: Option<u64>,
) -> Result<(u64, u64, Option<u64>)> {
    let args = args.trim();
    if args.is_empty() {
        let start = match next {
            Some(a) => a,
            None => cx.rip()?,
        };
        return Ok((start, default_count, None));
    }
    let (start, used) = cx.eval_prefix(args)?;
    let rest = args[used..].trim();
    if rest.is_empty() {
        return Ok((start, default_count, None));
    }
    let (count, end) = match length_word(rest) {
        Some(expr) => (cx.eval(expr)?, None),
        None => {
            let end = cx.eval(rest)?;
            if end < start {
                return Err(Error::msg("Range error: the end is before the start"));
            }
            ((end - start) / size + 1, Some(end))
        }
    };
    if count == 0 || count.saturating_mul(size) > MAX_RANGE {
        return Err(Error::msg(format!("Range error: {count:#x} elements is not a usable length")));
    }
    Ok((start, count, end))
}

/// Read `len` bytes at `start`; bytes that cannot be read are `None`. Nothing readable at all is an error.
pub(super) fn read(cx: &mut Cx, start: u64, len: u64) -> Result<Vec<Option<u8>>> {
    let mut buf = vec![0u8; len as usize];
    let n = cx.session().read_memory(start, &mut buf)?;
    Ok(buf.iter().enumerate().map(|(i, b)| (i < n).then_some(*b)).collect())
}

pub(super) fn printable(b: u8) -> char {
    if (0x20..0x7f).contains(&b) { b as char } else { '.' }
}

/// One `db` line: 16 bytes, a dash between the eighth and the ninth (none when the line ends before a ninth, as
/// WinDbg prints it), then their characters.
fn byte_line(address: u64, bytes: &[Option<u8>]) -> String {
    let mut hex = String::new();
    let mut text = String::new();
    for i in 0..16 {
        let sep = if i == 8 && i < bytes.len() { '-' } else { ' ' };
        if i > 0 {
            hex.push(sep);
        }
        match bytes.get(i) {
            Some(Some(b)) => {
                hex.push_str(&format!("{b:02x}"));
                text.push(printable(*b));
            }
            Some(None) => {
                hex.push_str("??");
                text.push('?');
            }
            None => hex.push_str("  "),
        }
    }
    format!("{}  {hex}  {text}", addr64(address))
}

fn display_bytes(cx: &mut Cx, args: &str) -> Result<Flow> {
    let (start, count) = range(cx, args, 1, 0x80, cx.console.next_dump)?;
    let bytes = read(cx, start, count)?;
    for (i, chunk) in bytes.chunks(16).enumerate() {
        cx.out(byte_line(start + 16 * i as u64, chunk));
    }
    cx.console.next_dump = Some(start + count);
    Ok(Flow::Next)
}

/// `dw`, `dd`, `dq`: values of `size` bytes, `per_line` to a line.
fn display_values(cx: &mut Cx, args: &str, size: u64, per_line: usize) -> Result<Flow> {
    let (start, count) = range(cx, args, size, 0x80 / size, cx.console.next_dump)?;
    let bytes = read(cx, start, count * size)?;
    let values: Vec<Option<u64>> = bytes
        .chunks(size as usize)
        .map(|c| c.iter().rev().try_fold(0u64, |acc, b| b.map(|b| (acc << 8) | u64::from(b))))
        .collect();
    for (i, line) in values.chunks(per_line).enumerate() {
        let cells: Vec<String> = line
            .iter()
            .map(|v| match (v, size) {
                (Some(v), 8) => addr64(*v),
                (Some(v), _) => format!("{v:0w$x}", w = 2 * size as usize),
                (None, 8) => "????????`????????".into(),
                (None, _) => "?".repeat(2 * size as usize),
            })
            .collect();
        cx.out(format!("{}  {}", addr64(start + (i * per_line) as u64 * size), cells.join(" ")));
    }
    cx.console.next_dump = Some(start + count * size);
    Ok(Flow::Next)
}

pub fn db(cx: &mut Cx, args: &str) -> Result<Flow> {
    display_bytes(cx, args)
}

pub fn dw(cx: &mut Cx, args: &str) -> Result<Flow> {
    display_values(cx, args, 2, 8)
}

pub fn dd(cx: &mut Cx, args: &str) -> Result<Flow> {
    display_values(cx, args, 4, 4)
}

pub fn dq(cx: &mut Cx, args: &str) -> Result<Flow> {
    display_values(cx, args, 8, 2)
}

/// `da`/`du`: a NUL-terminated string of 1- or 2-byte characters, 32 characters to a line.
fn display_string(cx: &mut Cx, args: &str, wide: bool) -> Result<Flow> {
    let size = if wide { 2 } else { 1 };
    let (start, count) = range(cx, args, size, 0x100, cx.console.next_dump)?;
    let bytes = read(cx, start, count * size)?;
    let mut chars = Vec::new();
    for c in bytes.chunks(size as usize) {
        let unit = match c {
            [Some(a)] => u16::from(*a),
            [Some(a), Some(b)] => u16::from_le_bytes([*a, *b]),
            _ => break,
        };
        if unit == 0 {
            break;
        }
        chars.push(unit);
    }
    let text: String = if wide {
        char::decode_utf16(chars.iter().copied()).map(|c| c.unwrap_or('?')).collect()
    } else {
        chars.iter().map(|&b| printable(b as u8)).collect()
    };
    let text: Vec<char> = text.chars().collect();
    if text.is_empty() {
        cx.out(format!("{}  \"\"", addr64(start)));
    }
    for (i, chunk) in text.chunks(32).enumerate() {
        let s: String = chunk.iter().collect();
        cx.out(format!("{}  \"{s}\"", addr64(start + (i as u64) * 32 * size)));
    }
    cx.console.next_dump = Some(start + (text.len() as u64 + 1) * size);
    Ok(Flow::Next)
}

pub fn da(cx: &mut Cx, args: &str) -> Result<Flow> {
    display_string(cx, args, false)
}

pub fn du(cx: &mut Cx, args: &str) -> Result<Flow> {
    display_string(cx, args, true)
}

/// `eb/ew/ed/eq <addr> <value> [<value>...]`.
fn edit_values(cx: &mut Cx, args: &str, size: usize) -> Result<Flow> {
    let args = args.trim();
    if args.is_empty() {
        return Err(Error::msg("Syntax error: give an address and values"));
    }
    let (address, used) = cx.eval_prefix(args)?;
    let mut rest = args[used..].trim_start();
    if rest.is_empty() {
        return Err(Error::msg("Syntax error: give at least one value to write"));
    }
    let mut bytes = Vec::new();
    while !rest.is_empty() {
        let (value, used) = cx.eval_prefix(rest)?;
        let bits = 8 * size as u32;
        let fits = bits == 64 || value >> bits == 0 || (value as i64) >> (bits - 1) == -1;
        if !fits {
            return Err(Error::msg(format!("{value:#x} does not fit in {size} byte(s)")));
        }
        bytes.extend_from_slice(&value.to_le_bytes()[..size]);
        rest = rest[used..].trim_start();
    }
    cx.session().write_memory(address, &bytes)?;
    Ok(Flow::Next)
}

pub fn eb(cx: &mut Cx, args: &str) -> Result<Flow> {
    edit_values(cx, args, 1)
}

pub fn ew(cx: &mut Cx, args: &str) -> Result<Flow> {
    edit_values(cx, args, 2)
}

pub fn ed(cx: &mut Cx, args: &str) -> Result<Flow> {
    edit_values(cx, args, 4)
}

pub fn eq(cx: &mut Cx, args: &str) -> Result<Flow> {
    edit_values(cx, args, 8)
}

/// `ea/eu <addr> "text"`: the string's characters, without a terminating NUL (as WinDbg).
fn edit_string(cx: &mut Cx, args: &str, wide: bool) -> Result<Flow> {
    let args = args.trim();
    let (address, used) = cx.eval_prefix(args)?;
    let text = match take_quoted(&args[used..]) {
        Some(Ok((text, rest))) if rest.trim().is_empty() => text,
        Some(Err(e)) => return Err(Error::msg(e)),
        _ => return Err(Error::msg("Syntax error: give the string in double quotes")),
    };
    let bytes: Vec<u8> =
        if wide { text.encode_utf16().flat_map(u16::to_le_bytes).collect() } else { text.into_bytes() };
    cx.session().write_memory(address, &bytes)?;
    Ok(Flow::Next)
}

pub fn ea(cx: &mut Cx, args: &str) -> Result<Flow> {
    edit_string(cx, args, false)
}

pub fn eu(cx: &mut Cx, args: &str) -> Result<Flow> {
    edit_string(cx, args, true)
}

/// `s -b|-w|-d|-q|-a|-u <range> <pattern>`: every place the pattern occurs.
pub fn search(cx: &mut Cx, args: &str) -> Result<Flow> {
    let (flag, rest) = take_word(args);
    let size: usize = match flag {
        "-b" => 1,
        "-w" => 2,
        "-d" => 4,
        "-q" => 8,
        "-a" | "-u" => 1,
        _ => return Err(Error::msg("Syntax error: usage is s -b|-w|-d|-q|-a|-u <range> <pattern>")),
    };
    let rest = rest.trim();
    let (start, used) = cx.eval_prefix(rest)?;
    let rest = rest[used..].trim_start();
    let (len_word, rest) = take_word(rest);
    let length = match length_word(len_word) {
        Some(e) => cx.eval(e)?,
        None => cx.eval(len_word)?.checked_sub(start).ok_or_else(|| Error::msg("Range error"))?,
    };
    if length > 0x1000_0000 {
        return Err(Error::msg("Range error: search at most 256 MiB at a time"));
    }
    let pattern: Vec<u8> = match flag {
        "-a" | "-u" => match take_quoted(rest) {
            Some(Ok((t, _))) if flag == "-a" => t.into_bytes(),
            Some(Ok((t, _))) => t.encode_utf16().flat_map(u16::to_le_bytes).collect(),
            _ => return Err(Error::msg("Syntax error: give the string in double quotes")),
        },
        _ => {
            let mut bytes = Vec::new();
            let mut rest = rest.trim();
            while !rest.is_empty() {
                let (v, used) = cx.eval_prefix(rest)?;
                bytes.extend_from_slice(&v.to_le_bytes()[..size]);
                rest = rest[used..].trim_start();
            }
            bytes
        }
    };
    if pattern.is_empty() {
        return Err(Error::msg("Syntax error: nothing to search for"));
    }
    // Read in chunks that overlap by the pattern's length, skipping what cannot be read.
    const CHUNK: u64 = 0x10000;
    let mut offset = 0;
    while offset < length {
        let want = (length - offset).min(CHUNK + pattern.len() as u64);
        let mut buf = vec![0u8; want as usize];
        let n = cx.session().read_memory(start + offset, &mut buf).unwrap_or(0);
        let buf = &buf[..n];
        let mut i = 0;
        while i + pattern.len() <= buf.len() && (i as u64) < CHUNK {
            if buf[i..i + pattern.len()] == pattern[..] {
                let at = start + offset + i as u64;
                let line = read(cx, at, 16).unwrap_or_default();
                cx.out(byte_line(at, &line));
            }
            i += size;
        }
        offset += CHUNK;
    }
    Ok(Flow::Next)
}

/// `u [addr] [L<count>|<end>]`: disassemble, with a `module!symbol:` line where a symbol begins.
pub fn unassemble(cx: &mut Cx, args: &str) -> Result<Flow> {
    let (start, count, end) = extent(cx, args, 1, 8, cx.console.next_unassemble)?;
    let lines = cx.session().disassemble(start, count.min(0x1000) as usize, end)?;
    print_instructions(cx, start, &lines)
}

/// `uf <addr>`: the whole function that contains the address.
pub fn unassemble_function(cx: &mut Cx, args: &str) -> Result<Flow> {
    let address = match args.trim() {
        "" => cx.rip()?,
        text => cx.eval(text)?,
    };
    let lines = cx.session().disassemble_function(address)?;
    print_instructions(cx, address, &lines)
}

/// `ub [addr] [L<count>]`: the instructions that end at the address.
pub fn unassemble_backwards(cx: &mut Cx, args: &str) -> Result<Flow> {
    let (address, count, _) = extent(cx, args, 1, 8, None)?;
    let lines = cx.session().instructions_ending_at(address, count as usize)?;
    print_instructions(cx, address, &lines)
}

/// The lines of a disassembly: a label where a name starts, and on the first line wherever it is. The next `u`
/// goes on after the last instruction (from `start` when there was none).
fn print_instructions(cx: &mut Cx, start: u64, lines: &[DisassemblyLine]) -> Result<Flow> {
    for (i, line) in lines.iter().enumerate() {
        if i == 0 || line.starts_symbol {
            cx.out(format!("{}:", report::place_name(line.place.as_ref(), line.instruction.address)));
        }
        cx.out(report::instruction_line(&line.instruction));
    }
    cx.console.next_unassemble = Some(lines.last().map_or(start, |l| l.instruction.next_address()));
    Ok(Flow::Next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_line_shape() {
        let bytes: Vec<Option<u8>> = b"Hello, world\0\0\0\0".iter().map(|b| Some(*b)).collect();
        assert_eq!(
            byte_line(0x5555_5555_6004, &bytes),
            "00005555`55556004  48 65 6c 6c 6f 2c 20 77-6f 72 6c 64 00 00 00 00  Hello, world...."
        );
        let partial = [Some(0x41), None];
        assert!(byte_line(0, &partial).starts_with("00000000`00000000  41 ??   "));
    }
}
