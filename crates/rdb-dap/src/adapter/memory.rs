//! Memory and code: `readMemory`, `writeMemory`, `disassemble` (from an instruction offset that may be
//! negative), `modules`, `loadedSources`.

use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rdb_engine::session::{DisassemblyLine, SymbolState};
use serde_json::{Value, json};

use super::{Adapter, Reply};
use crate::arguments::{
    DisassembleArguments, ModulesArguments, NoArguments, ReadMemoryArguments, WriteMemoryArguments,
};
use crate::types::{DisassembledInstruction, Module, Source};

/// The most one `readMemory` reads (a client pages a larger view).
const MAX_READ: u64 = 1 << 20;
/// The most instructions one `disassemble` gives.
const MAX_INSTRUCTIONS: i64 = 4096;

/// A memory reference (`0x401000`, or decimal) plus an offset.
pub fn address(reference: &str, offset: Option<i64>) -> Result<u64, String> {
    let text = reference.trim();
    let parsed = match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => text.parse::<u64>(),
    };
    let base = parsed.map_err(|_| format!("'{reference}' is not a memory reference (an address such as 0x401000)"))?;
    Ok(base.wrapping_add_signed(offset.unwrap_or(0)))
}

/// A module as DAP's `Module`.
pub fn module_json(base: u64, end: u64, path: &Path, symbols: Option<SymbolState>) -> Value {
    let module = Module {
        id: format!("{base:#x}"),
        name: path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned()),
        path: path.display().to_string(),
        address_range: format!("{base:#x}-{end:#x}"),
        symbol_status: match symbols {
            None | Some(SymbolState::Deferred) => "Symbols not loaded yet".into(),
            Some(SymbolState::NoSymbols) => "No symbols".into(),
            Some(SymbolState::Dwarf) => "DWARF".into(),
            Some(SymbolState::Pdb) => "PDB".into(),
            Some(SymbolState::Exports) => "Exports only".into(),
            Some(other) => format!("{other:?}"),
        },
        symbol_file_path: None,
    };
    serde_json::to_value(module).unwrap_or(Value::Null)
}

impl Adapter {
    pub(super) fn read_memory(&mut self, args: ReadMemoryArguments) -> Reply {
        let start = address(&args.memory_reference, args.offset)?;
        let count = args.count.min(MAX_READ) as usize;
        let bytes = self.with(move |s| {
            let mut buf = vec![0u8; count];
            // An unreadable start reads nothing; the rest of the range is what could be read.
            let n = s.read_memory(start, &mut buf).unwrap_or(0);
            buf.truncate(n);
            Ok(buf)
        })?;
        // Of the bytes tried (a larger request is cut to MAX_READ: the client asks again from where this ends).
        let unreadable = (count - bytes.len()) as u64;
        Ok(json!({
            "address": format!("{start:#x}"),
            "data": STANDARD.encode(&bytes),
            "unreadableBytes": unreadable,
        }))
    }

    pub(super) fn write_memory(&mut self, args: WriteMemoryArguments) -> Reply {
        let start = address(&args.memory_reference, args.offset)?;
        let data = STANDARD.decode(args.data.trim()).map_err(|e| format!("data is not base64: {e}"))?;
        let len = data.len();
        self.with(move |s| s.write_memory(start, &data))?;
        self.after
            .push(("memory".into(), json!({ "memoryReference": format!("{start:#x}"), "offset": 0, "count": len })));
        Ok(json!({ "offset": 0, "bytesWritten": len }))
    }

    pub(super) fn disassemble(&mut self, args: DisassembleArguments) -> Reply {
        let at = address(&args.memory_reference, args.offset)?;
        let count = args.instruction_count;
        if !(0..=MAX_INSTRUCTIONS).contains(&count) {
            return Err(format!("instructionCount {count} is not between 0 and {MAX_INSTRUCTIONS}"));
        }
        let skip = args.instruction_offset.unwrap_or(0).clamp(-MAX_INSTRUCTIONS, MAX_INSTRUCTIONS);
        let count = count as usize;
        let resolve = args.resolve_symbols.unwrap_or(true);
        let lines = self.with(move |s| {
            let mut lines: Vec<Option<DisassemblyLine>> = Vec::new();
            let mut source = Vec::new();
            if skip < 0 {
                let before = skip.unsigned_abs() as usize;
                // Instructions before `at`: as many as decode to end exactly there; the rest are padding.
                let found = s.instructions_ending_at(at, before).unwrap_or_default();
                lines.extend(std::iter::repeat_n(None, before - found.len().min(before)));
                lines.extend(found.into_iter().map(Some));
                let after = s.disassemble(at, count.saturating_sub(lines.len()), None).unwrap_or_default();
                lines.extend(after.into_iter().map(Some));
            } else {
                let all = s.disassemble(at, skip as usize + count, None).unwrap_or_default();
                lines.extend(all.into_iter().skip(skip as usize).map(Some));
            }
            lines.truncate(count);
            for l in &lines {
                source.push(l.as_ref().and_then(|l| s.modules.source_line(l.instruction.address)));
            }
            Ok((lines, source))
        })?;
        let (lines, sources) = lines;
        let mut instructions = Vec::new();
        let mut last_line = None;
        for (line, source) in lines.into_iter().zip(sources) {
            let Some(line) = line else {
                instructions.push(DisassembledInstruction {
                    address: "0x0".into(),
                    instruction_bytes: None,
                    instruction: "??".into(),
                    symbol: None,
                    location: None,
                    line: None,
                    presentation_hint: Some("invalid"),
                });
                continue;
            };
            let i = &line.instruction;
            let here = source.as_ref().map(|l| (l.file.clone(), l.line));
            // A line is given where it changes, as the specification suggests.
            let new_line = here != last_line;
            last_line = here;
            instructions.push(DisassembledInstruction {
                address: format!("{:#x}", i.address),
                instruction_bytes: Some(i.bytes.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(" ")),
                instruction: i.text.clone(),
                symbol: line.place.as_ref().filter(|_| resolve && line.starts_symbol).map(|p| {
                    p.symbol.as_ref().map_or_else(|| p.module.clone(), |s| format!("{}!{}", p.module, s.name))
                }),
                location: source.as_ref().filter(|_| new_line).map(|l| Source {
                    name: l.file.file_name().map(|n| n.to_string_lossy().into_owned()),
                    path: Some(l.file.display().to_string()),
                }),
                line: source.as_ref().filter(|_| new_line).map(|l| self.client_line(l.line)),
                presentation_hint: None,
            });
        }
        Ok(json!({ "instructions": instructions }))
    }

    pub(super) fn modules(&mut self, args: ModulesArguments) -> Reply {
        let start = args.start_module.unwrap_or(0);
        let count = args.module_count.filter(|c| *c > 0).unwrap_or(usize::MAX);
        let modules = self.with(move |s| {
            Ok(s.modules
                .iter()
                .map(|m| module_json(m.base, m.end(), &m.path, Some(m.symbol_state())))
                .collect::<Vec<_>>())
        })?;
        let total = modules.len();
        let page: Vec<Value> = modules.into_iter().skip(start).take(count).collect();
        Ok(json!({ "modules": page, "totalModules": total }))
    }

    pub(super) fn loaded_sources(&mut self, _: NoArguments) -> Reply {
        let files = self.with(|s| {
            let mut files = Vec::new();
            let exe = s.exe_path().cloned();
            for m in s.modules.iter() {
                // The program's, and those of modules whose symbols were already read: reading every library's
                // would cost seconds.
                let read = matches!(m.symbol_state(), SymbolState::Dwarf | SymbolState::Pdb);
                if (read || exe.as_ref() == Some(&m.path))
                    && let Some(symbols) = m.symbols()
                {
                    files.extend(symbols.source_files());
                }
            }
            Ok(files)
        })?;
        let sources: Vec<Source> = files
            .iter()
            .map(|f| Source {
                name: f.file_name().map(|n| n.to_string_lossy().into_owned()),
                path: Some(f.display().to_string()),
            })
            .collect();
        Ok(json!({ "sources": sources }))
    }
}
