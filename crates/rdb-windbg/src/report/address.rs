//! `!address` in WinDbg's words: the address space one region a line (`BaseAddress EndAddress+1 RegionSize Type
//! State Protect Usage`), and one region's details (`!address <addr>`), with Windows' names and numbers for the
//! memory types, states and protections whatever the OS.

use rdb_engine::fmt::addr64;
use rdb_engine::session::{AddressRegion, MemoryState, Usage};
use rdb_engine::target::{Backing, Region};

/// What WinDbg's `!address` has to say of a field the target does not know.
const NOT_PRESENT: &str = "<info not present at the target>";

/// A memory type's name and value (none for free space).
fn memory_type(r: &AddressRegion) -> Option<(&'static str, u32)> {
    if r.state == MemoryState::Free {
        return None;
    }
    Some(match r.region.backing {
        Backing::Image => ("MEM_IMAGE", 0x0100_0000),
        Backing::Mapped => ("MEM_MAPPED", 0x0004_0000),
        Backing::Private => ("MEM_PRIVATE", 0x0002_0000),
    })
}

fn memory_state(state: MemoryState) -> (&'static str, u32) {
    match state {
        MemoryState::Commit => ("MEM_COMMIT", 0x1000),
        MemoryState::Reserve => ("MEM_RESERVE", 0x2000),
        MemoryState::Free => ("MEM_FREE", 0x1_0000),
    }
}

/// The protection's words and value (`PAGE_READWRITE | PAGE_GUARD`, 0x104); none for reserved space, which has
/// none, and PAGE_NOACCESS for free space.
fn protection(r: &AddressRegion) -> Option<(String, u32)> {
    let Region { readable, writable, executable, copy_on_write, guard, .. } = r.region;
    match r.state {
        MemoryState::Reserve => return None,
        MemoryState::Free => return Some(("PAGE_NOACCESS".into(), 0x01)),
        MemoryState::Commit => {}
    }
    let (name, value) = match (executable, writable, copy_on_write, readable) {
        (false, false, _, false) => ("PAGE_NOACCESS", 0x01),
        (false, false, _, true) => ("PAGE_READONLY", 0x02),
        (false, true, false, _) => ("PAGE_READWRITE", 0x04),
        (false, true, true, _) => ("PAGE_WRITECOPY", 0x08),
        (true, false, _, false) => ("PAGE_EXECUTE", 0x10),
        (true, false, _, true) => ("PAGE_EXECUTE_READ", 0x20),
        (true, true, false, _) => ("PAGE_EXECUTE_READWRITE", 0x40),
        (true, true, true, _) => ("PAGE_EXECUTE_WRITECOPY", 0x80),
    };
    Some(if guard { (format!("{name} | PAGE_GUARD"), value | 0x100) } else { (name.into(), value) })
}

/// The usage's word and what the listing adds after it.
fn usage(u: &Usage) -> (&'static str, String) {
    match u {
        Usage::Free => ("Free", String::new()),
        Usage::Image { module, path } => ("Image", format!("[{module}; \"{}\"]", path.display())),
        Usage::Stack { thread: Some((index, tid)) } => ("Stack", format!("[~{index}; {tid:x}]")),
        Usage::Stack { thread: None } => ("Stack", String::new()),
        Usage::Heap => ("Heap", String::new()),
        Usage::MappedFile(Some(name)) => ("MappedFile", format!("\"{name}\"")),
        Usage::MappedFile(None) => ("MappedFile", String::new()),
        // The OS's own names come bracketed already (`[vdso]`).
        Usage::Other(Some(name)) if name.starts_with('[') => ("Other", name.clone()),
        Usage::Other(Some(name)) => ("Other", format!("[{name}]")),
        Usage::Other(None) => ("<unknown>", String::new()),
    }
}

/// An address as the listing writes it: the high half without its leading zeros (`7fff`f7dc2000`, `0`00000000`).
fn short(a: u64) -> String {
    format!("{:x}`{:08x}", a >> 32, a & 0xffff_ffff)
}

fn row(mark: &str, cols: [&str; 7], detail: &str) -> String {
    let [base, end, size, kind, state, protect, usage] = cols;
    format!("{mark:1}{base:>17} {end:>17} {size:>17} {kind:<11} {state:<11} {protect:<34} {usage:<10} {detail}")
        .trim_end()
        .to_string()
}

/// `!address`: a header, then one line a region, `+` where an allocation starts.
pub fn address_map_lines(regions: &[AddressRegion]) -> Vec<String> {
    let mut lines = vec![
        String::new(),
        row(" ", ["BaseAddress", "EndAddress+1", "RegionSize", "Type", "State", "Protect", "Usage"], ""),
        "-".repeat(118),
    ];
    for r in regions {
        let (start, end) = (r.region.start, r.region.end);
        let kind = memory_type(r).map_or("", |t| t.0);
        let protect = protection(r).map(|p| p.0).unwrap_or_default();
        let (word, detail) = usage(&r.usage);
        let mark = if r.starts_allocation() { "+" } else { " " };
        let cols = [&short(start), &short(end), &short(end - start), kind, memory_state(r.state).0, &protect, word];
        lines.push(row(mark, cols.map(|c| c as &str), &detail));
    }
    lines
}

/// A size with its unit, as WinDbg puts it after one (`( 132.000 kB)`).
fn size_text(size: u64) -> String {
    let units = ["B", "kB", "MB", "GB", "TB", "PB"];
    let mut value = size as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < units.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("({value:8.3} {})", units[unit])
}

/// `!address <addr>`: the region holding the address, field by field.
pub fn address_region_lines(r: &AddressRegion) -> Vec<String> {
    let field = |label: &str, value: String| format!("{:<24}{value}", format!("{label}:"));
    let coded = |(name, value): (&str, u32)| format!("{value:08x}          {name}");
    let (start, end) = (r.region.start, r.region.end);
    let (word, _) = usage(&r.usage);
    let mut lines = vec![
        field("Usage", word.into()),
        field("Base Address", addr64(start)),
        field("End Address", addr64(end)),
        field("Region Size", format!("{} {}", addr64(end - start), size_text(end - start))),
        field("State", coded(memory_state(r.state))),
        field("Protect", protection(r).map_or(NOT_PRESENT.into(), |(name, value)| coded((&name, value)))),
        field("Type", memory_type(r).map_or(NOT_PRESENT.into(), coded)),
    ];
    if r.state == MemoryState::Free {
        return lines;
    }
    lines.push(field("Allocation Base", addr64(r.allocation_base)));
    match &r.usage {
        Usage::Image { module, path } => {
            lines.push(field("Image Path", path.display().to_string()));
            lines.push(field("Module Name", module.clone()));
            lines.push(field("More info", format!("lmv m {module}")));
            lines.push(field("More info", format!("ln {:#x}", start)));
        }
        Usage::Stack { thread: Some((index, _)) } => lines.push(field("More info", format!("~{index}k"))),
        Usage::MappedFile(Some(name)) => lines.push(field("Mapped File Name", name.clone())),
        Usage::Other(Some(name)) => lines.push(field("Name", name.clone())),
        _ => {}
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn region(start: u64, end: u64, state: MemoryState, usage: Usage) -> AddressRegion {
        let region = Region { start, end, readable: true, ..Region::default() };
        AddressRegion { region, state, allocation_base: start, usage }
    }

    #[test]
    fn listing_in_windbg_columns() {
        let mut image = region(
            0x5555_5555_4000,
            0x5555_5555_5000,
            MemoryState::Commit,
            Usage::Image { module: "prog".into(), path: "/x/prog".into() },
        );
        image.region.backing = Backing::Image;
        let mut stack =
            region(0x7fff_0000_0000, 0x7fff_0002_0000, MemoryState::Commit, Usage::Stack { thread: Some((0, 0x4d2)) });
        stack.region.writable = true;
        stack.allocation_base = 0x7ffe_0000_0000;
        let free = AddressRegion {
            region: Region { start: 0, end: 0x1000, ..Region::default() },
            ..region(0, 0x1000, MemoryState::Free, Usage::Free)
        };
        let lines = address_map_lines(&[free, image, stack]);
        assert!(lines[1].contains("BaseAddress      EndAddress+1        RegionSize Type"), "{lines:#?}");
        assert_eq!(
            lines[3],
            "+       0`00000000        0`00001000        0`00001000             MEM_FREE    PAGE_NOACCESS                      Free"
        );
        assert_eq!(
            lines[4],
            "+    5555`55554000     5555`55555000        0`00001000 MEM_IMAGE   MEM_COMMIT  PAGE_READONLY                      Image      [prog; \"/x/prog\"]"
        );
        assert!(lines[5].starts_with("     7fff`00000000"), "not the start of its allocation: {lines:#?}");
        assert!(lines[5].contains("MEM_PRIVATE MEM_COMMIT  PAGE_READWRITE                     Stack      [~0; 4d2]"));
    }

    #[test]
    fn one_region_field_by_field() {
        let mut r =
            region(0x7fff_0000_0000, 0x7fff_0002_1000, MemoryState::Commit, Usage::Stack { thread: Some((1, 0x4d3)) });
        r.region.writable = true;
        r.region.guard = true;
        let lines = address_region_lines(&r);
        assert_eq!(lines[0], "Usage:                  Stack");
        assert_eq!(lines[3], "Region Size:            00000000`00021000 ( 132.000 kB)");
        assert_eq!(lines[4], "State:                  00001000          MEM_COMMIT");
        assert_eq!(lines[5], "Protect:                00000104          PAGE_READWRITE | PAGE_GUARD");
        assert_eq!(lines[6], "Type:                   00020000          MEM_PRIVATE");
        assert_eq!(lines.last().unwrap(), "More info:              ~1k");
        let reserved = region(0x1000, 0x2000, MemoryState::Reserve, Usage::Other(None));
        assert_eq!(address_region_lines(&reserved)[5], "Protect:                <info not present at the target>");
        assert_eq!(size_text(0x200), "( 512.000 B)");
    }
}
