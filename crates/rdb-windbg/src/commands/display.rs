//! The display commands that read memory as something more than numbers: pointers with their symbols (`dds`,
//! `dqs`, `dps`), pointers followed to what they point at (`dpa`, `dpu`, `dpp` and their `dd`/`dq` forms), dwords
//! with their characters (`dc`) and bytes in binary (`dyb`). Each is WinDbg's shape; the plain ones are `memory.rs`.

use rdb_engine::Result;
use rdb_engine::fmt::addr64;

use super::memory::{printable, range, read};
use super::{Cx, Flow};

/// What every one of these displays when no length is given: 0x80 bytes, as WinDbg's `dd`.
const DEFAULT_BYTES: u64 = 0x80;
/// The most characters `dpa`/`dpu` show of the string a pointer leads to.
const MAX_STRING: usize = 0x100;

/// Values of `size` bytes, little-endian; `None` where a byte could not be read.
fn values(bytes: &[Option<u8>], size: usize) -> Vec<Option<u64>> {
    bytes.chunks(size).map(|c| c.iter().rev().try_fold(0u64, |acc, b| b.map(|b| (acc << 8) | u64::from(b)))).collect()
}

/// A value as `dd` (8 digits) or `dq` (the two backticked halves) shows it.
fn cell(value: Option<u64>, size: usize) -> String {
    match (value, size) {
        (Some(v), 8) => addr64(v),
        (Some(v), _) => format!("{v:08x}"),
        (None, 8) => "????????`????????".into(),
        (None, _) => "????????".into(),
    }
}

/// What a pointer-sized value is followed by in one of the pointer displays.
#[derive(Clone, Copy)]
enum Follow {
    /// `dds`, `dqs`, `dps`: the symbol it is at, if any.
    Symbol,
    /// `dda`, `dqa`, `dpa`: the ASCII string it points to.
    Ascii,
    /// `ddu`, `dqu`, `dpu`: the UTF-16 string it points to.
    Unicode,
    /// `ddp`, `dqp`, `dpp`: the value it points to, of the same size.
    Pointee,
}

/// One line per value of `size` bytes (4 or 8): its address, the value, and what it leads to.
fn pointers(cx: &mut Cx, args: &str, size: usize, follow: Follow) -> Result<Flow> {
    let (start, count) = range(cx, args, size as u64, DEFAULT_BYTES / size as u64, cx.console.next_dump)?;
    let bytes = read(cx, start, count * size as u64)?;
    for (i, value) in values(&bytes, size).into_iter().enumerate() {
        let at = start + (i * size) as u64;
        let mut line = format!("{}  {}", addr64(at), cell(value, size));
        if let Some(tail) = value.and_then(|v| followed(cx, v, size, follow)) {
            line.push(' ');
            line.push_str(&tail);
        }
        cx.out(line);
    }
    cx.console.next_dump = Some(start + count * size as u64);
    Ok(Flow::Next)
}

/// What `value` leads to, or `None` when nothing (no symbol there, memory that cannot be read).
fn followed(cx: &mut Cx, value: u64, size: usize, follow: Follow) -> Option<String> {
    match follow {
        Follow::Symbol => cx.session().modules.describe(value),
        Follow::Pointee => {
            let mut buf = [0u8; 8];
            let n = cx.session().read_memory(value, &mut buf[..size]).ok()?;
            (n == size).then(|| cell(Some(u64::from_le_bytes(buf)), size))
        }
        Follow::Ascii | Follow::Unicode => {
            let wide = matches!(follow, Follow::Unicode);
            let unit = if wide { 2 } else { 1 };
            let mut buf = vec![0u8; MAX_STRING * unit];
            let n = cx.session().read_memory(value, &mut buf).ok()?;
            let units: Vec<u16> = buf[..n - n % unit]
                .chunks(unit)
                .map(|c| if wide { u16::from_le_bytes([c[0], c[1]]) } else { u16::from(c[0]) })
                .take_while(|&u| u != 0)
                .collect();
            // The debuggee's text: non-printable characters are dots, as `db` shows them.
            let text: String = if wide {
                char::decode_utf16(units).map(|c| c.ok().filter(|c| !c.is_control()).unwrap_or('.')).collect()
            } else {
                units.iter().map(|&u| printable(u as u8)).collect()
            };
            Some(format!("\"{text}\""))
        }
    }
}

pub fn dds(cx: &mut Cx, args: &str) -> Result<Flow> {
    pointers(cx, args, 4, Follow::Symbol)
}

pub fn dqs(cx: &mut Cx, args: &str) -> Result<Flow> {
    pointers(cx, args, 8, Follow::Symbol)
}

pub fn dda(cx: &mut Cx, args: &str) -> Result<Flow> {
    pointers(cx, args, 4, Follow::Ascii)
}

pub fn dqa(cx: &mut Cx, args: &str) -> Result<Flow> {
    pointers(cx, args, 8, Follow::Ascii)
}

pub fn ddu(cx: &mut Cx, args: &str) -> Result<Flow> {
    pointers(cx, args, 4, Follow::Unicode)
}

pub fn dqu(cx: &mut Cx, args: &str) -> Result<Flow> {
    pointers(cx, args, 8, Follow::Unicode)
}

pub fn ddp(cx: &mut Cx, args: &str) -> Result<Flow> {
    pointers(cx, args, 4, Follow::Pointee)
}

pub fn dqp(cx: &mut Cx, args: &str) -> Result<Flow> {
    pointers(cx, args, 8, Follow::Pointee)
}

/// `dp`: pointer-sized values, two to a line (a pointer is 8 bytes on x86-64: `dq`).
pub fn dp(cx: &mut Cx, args: &str) -> Result<Flow> {
    let (start, count) = range(cx, args, 8, DEFAULT_BYTES / 8, cx.console.next_dump)?;
    let bytes = read(cx, start, count * 8)?;
    for (i, line) in values(&bytes, 8).chunks(2).enumerate() {
        let cells: Vec<String> = line.iter().map(|v| cell(*v, 8)).collect();
        cx.out(format!("{}  {}", addr64(start + 16 * i as u64), cells.join(" ")));
    }
    cx.console.next_dump = Some(start + count * 8);
    Ok(Flow::Next)
}

/// `dc`: four dwords to a line, then the 16 characters they hold (`.` for what does not print, `?` unread).
pub fn dc(cx: &mut Cx, args: &str) -> Result<Flow> {
    let (start, count) = range(cx, args, 4, DEFAULT_BYTES / 4, cx.console.next_dump)?;
    let bytes = read(cx, start, count * 4)?;
    for (i, chunk) in bytes.chunks(16).enumerate() {
        let cells: Vec<String> = values(chunk, 4).into_iter().map(|v| cell(v, 4)).collect();
        let text: String = chunk.iter().map(|b| b.map_or('?', printable)).collect();
        // A short last line keeps its characters in their column.
        cx.out(format!("{}  {:<35}  {text}", addr64(start + 16 * i as u64), cells.join(" ")));
    }
    cx.console.next_dump = Some(start + count * 4);
    Ok(Flow::Next)
}

/// `dyb`: bytes in binary, four to a line, then in hex, under a header that numbers the bits.
pub fn dyb(cx: &mut Cx, args: &str) -> Result<Flow> {
    let (start, count) = range(cx, args, 1, 0x20, cx.console.next_dump)?;
    let bytes = read(cx, start, count)?;
    let indent = " ".repeat(addr64(0).len() + 2);
    cx.out(format!("{indent}76543210 76543210 76543210 76543210"));
    cx.out(format!("{indent}-------- -------- -------- --------"));
    for (i, chunk) in bytes.chunks(4).enumerate() {
        let bits: Vec<String> = chunk.iter().map(|b| b.map_or("????????".into(), |b| format!("{b:08b}"))).collect();
        let hex: Vec<String> = chunk.iter().map(|b| b.map_or("??".into(), |b| format!("{b:02x}"))).collect();
        cx.out(format!("{}  {:<35}  {}", addr64(start + 4 * i as u64), bits.join(" "), hex.join(" ")));
    }
    cx.console.next_dump = Some(start + count);
    Ok(Flow::Next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_and_cells() {
        let bytes: Vec<Option<u8>> = [0x48, 0x65, 0x6c, 0x6c, 1, 0, 0, 0].iter().map(|b| Some(*b)).collect();
        assert_eq!(values(&bytes, 4), [Some(0x6c6c6548), Some(1)]);
        assert_eq!(values(&[Some(1), None], 2), [None]);
        assert_eq!(cell(Some(0x6c6c6548), 4), "6c6c6548");
        assert_eq!(cell(Some(0x1122334455667788), 8), "11223344`55667788");
        assert_eq!(cell(None, 4), "????????");
    }
}
