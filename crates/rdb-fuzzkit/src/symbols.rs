//! Module files made from bytes, loaded through rdb's own symbol layer as a debuggee's module is
//! (`ModuleSymbols::load`: ELF or PE, symbol tables, exports, PLT and IFUNC relocations, DWARF lines, CFI, `.pdata`,
//! and a PE image's PDB where the input pairs one with it: [`PDB_PAIR_TAG`])
//! and asked every question the engine asks of one: the symbol at an address and after it, a function's extent,
//! lookups by name and by wildcard, source lines both ways, stack unwinding over a memory made from the input, and
//! the value model's questions (the variables in scope and their locations in a frame made from the input, their
//! types and their members' types, static places, globals and types by name).
//!
//! Memory: the layer keeps every version of every module file it reads for the life of the process
//! (`symbols::source`: rdb maps each module once, and the tables over it hold `&'static [u8]`), so each input
//! loaded here stays in memory until the process ends. Whoever loads many inputs must end the process from time to
//! time: the fuzz target does it with libFuzzer's fork mode, the property tests by loading a few thousand small
//! files at most.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::PathBuf;
use std::sync::OnceLock;

use rdb_engine::Result;
use rdb_engine::memory::MemorySnapshot;
use rdb_engine::regs::Registers;
use rdb_engine::symbols::{FrameAccess, ModuleSymbols, SourceLine, Symbol};
use rdb_engine::values::{TypeId, TypeKind};

/// Where every module is loaded (a PIE's usual address with randomisation off).
pub const BASE: u64 = 0x5555_5555_4000;
/// Where the stack the unwinder reads lies.
pub const STACK: u64 = 0x7fff_ffff_0000;
/// How many of a module's symbols the address queries visit (spread over the table), so a large file costs little
/// more than a small one per input.
const MAX_SYMBOLS: usize = 48;
/// How many of those are looked up by name and matched as patterns (each match scans the whole table), and how
/// many source lines are looked up (each scans every file name of the DWARF).
const MAX_NAMES: usize = 6;
const MAX_LINES: usize = 8;
/// How many frames a walk takes at most.
const MAX_FRAMES: usize = 8;

/// Load `bytes` as a module file at [`BASE`], through a file as rdb reads modules: named for its content and this
/// process (so a repeated input reads the same file and its copy is not kept twice), removed once loaded.
pub fn load(bytes: &[u8]) -> Result<ModuleSymbols> {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    let dir = DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join("rdb-fuzzkit-modules");
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        dir
    });
    let mut hasher = DefaultHasher::new();
    bytes.hash(&mut hasher);
    let path = dir.join(format!("{}-{:016x}", std::process::id(), hasher.finish()));
    std::fs::write(&path, bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let module = ModuleSymbols::load(&path, BASE);
    let _ = std::fs::remove_file(&path);
    module
}

/// Load `image` as [`load`] does, with `pdb` beside it as its PDB (`<name>.pdb`, which the PDB search tries),
/// both removed once loaded.
pub fn load_with_pdb(image: &[u8], pdb: &[u8]) -> Result<ModuleSymbols> {
    let dir = std::env::temp_dir().join("rdb-fuzzkit-modules");
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let mut hasher = DefaultHasher::new();
    (image, pdb).hash(&mut hasher);
    let path = dir.join(format!("{}-{:016x}-pair", std::process::id(), hasher.finish()));
    let pdb_path = path.with_extension("pdb");
    std::fs::write(&path, image).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    std::fs::write(&pdb_path, pdb).unwrap_or_else(|e| panic!("{}: {e}", pdb_path.display()));
    let module = ModuleSymbols::load(&path, BASE);
    let _ = (std::fs::remove_file(&path), std::fs::remove_file(&pdb_path));
    module
}

/// What marks an input as an image and its PDB: this tag, the image's length (4 bytes, little-endian), the
/// image, then the PDB.
pub const PDB_PAIR_TAG: &[u8; 8] = b"RDBPDB\0\0";

/// An input in [`PDB_PAIR_TAG`]'s shape, as (image, PDB).
pub fn split_pdb_pair(input: &[u8]) -> Option<(&[u8], &[u8])> {
    let rest = input.strip_prefix(PDB_PAIR_TAG)?;
    let (len, rest) = rest.split_first_chunk::<4>()?;
    let len = usize::try_from(u32::from_le_bytes(*len)).ok()?;
    (len <= rest.len()).then(|| rest.split_at(len))
}

/// Load the input as a module file (or, in [`PDB_PAIR_TAG`]'s shape, as an image and its PDB) and ask it
/// everything; nothing it answers may panic.
pub fn run(input: &[u8]) {
    let module = match split_pdb_pair(input) {
        Some((image, pdb)) => load_with_pdb(image, pdb),
        None => load(input),
    };
    if let Ok(module) = module {
        query(&module, input);
    }
}

/// Ask `module` every question the engine asks, about its own symbols, lines and edges and about addresses the
/// input picks (its last 64 bytes, four at a time, as offsets into the module).
pub fn query(module: &ModuleSymbols, input: &[u8]) {
    let _ = (module.symbol_count(), module.has_dwarf(), module.is_pe(), module.debug_file(), module.bias());
    let _ = (module.has_pdb(), module.pdb_problem());
    let symbols = module.symbols();
    let chosen: Vec<&Symbol> = symbols.iter().step_by(symbols.len() / MAX_SYMBOLS + 1).collect();
    let addresses = addresses(module, &chosen, input);

    let mut lines: Vec<SourceLine> = Vec::new();
    for &address in &addresses {
        let _ = (module.symbol_at(address), module.function_extent(address), module.symbol_after(address));
        let _ = (module.ifunc_slot(address), module.contains(address));
        if let Some(line) = module.source_line(address).filter(|l| !lines.contains(l)) {
            lines.push(line);
        }
    }
    for line in lines.iter().take(MAX_LINES) {
        let file = line.file.to_string_lossy();
        let name = line.file.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
        let _ = (module.line_addresses(&file, line.line), module.line_addresses(&name, line.line.saturating_add(1)));
    }
    let _ = (module.line_addresses("", 0), module.line_addresses("hello.c", u32::MAX));

    for symbol in chosen.iter().step_by(chosen.len() / MAX_NAMES + 1) {
        let _ = (module.lookup(&symbol.name), module.matching(&symbol.name));
        let head: String = symbol.name.chars().take(3).collect();
        let _ = module.matching(&format!("{head}*"));
    }
    let _ = (module.matching("*"), module.lookup(""), module.matching("?"));

    unwind(module, &addresses, input);
    values(module, &addresses, &chosen, input);
}

/// How many types one input's value questions resolve (each member's type is another).
const MAX_TYPES: usize = 256;

/// The value model's questions at the visited addresses, in a frame whose registers and memory are the input's.
fn values(module: &ModuleSymbols, addresses: &[u64], chosen: &[&Symbol], input: &[u8]) {
    let word = |n: u16| {
        let at = (usize::from(n) * 8) % input.len().max(1);
        let mut bytes = [0u8; 8];
        let available = input.len().saturating_sub(at).min(8);
        bytes[..available].copy_from_slice(&input[at..at + available]);
        Some(u64::from_le_bytes(bytes))
    };
    let mut memory = MemorySnapshot { base: STACK, bytes: input[..input.len().min(0x1000)].to_vec() };
    let mut types: Vec<TypeId> = Vec::new();
    for (i, &address) in addresses.iter().take(24).enumerate() {
        let frame = FrameAccess {
            register: &word,
            cfa: Some(STACK + 0x80),
            innermost: i % 2 == 0,
            inlined: (i % 3) as u32,
            entry: &[(5, 7)],
        };
        let _ = (module.inlined_at(address, true), module.inlined_at(address, false));
        if let Some((_, variables)) = module.frame_variables(address, &frame, &mut memory) {
            types.extend(variables.iter().filter_map(|v| v.ty));
        }
        let _ = (module.static_places(address), module.scope_names(address));
    }
    let mut seen = 0;
    while let Some(id) = types.pop() {
        seen += 1;
        if seen > MAX_TYPES {
            break;
        }
        let Some(ty) = module.type_of(id) else { continue };
        match ty.kind {
            TypeKind::Record { members } => types.extend(members.iter().map(|m| m.ty)),
            TypeKind::Pointer { target: Some(t), .. } | TypeKind::Array { element: t, .. } => types.push(t),
            _ => {}
        }
    }
    for name in module.type_names(&|_| true).iter().take(MAX_NAMES) {
        let _ = module.named_type(name);
    }
    for symbol in chosen.iter().take(MAX_NAMES) {
        let _ = module.global(&symbol.name, Some(symbol.address));
    }
    let _ = (module.named_type(""), module.global("", None), module.named_type("struct"));
}

/// The addresses the queries visit: the module's edges and entry, its chosen symbols' starts, middles and ends, and
/// the input's picks.
fn addresses(module: &ModuleSymbols, chosen: &[&Symbol], input: &[u8]) -> Vec<u64> {
    let (start, end) = module.range();
    let span = end.wrapping_sub(start).max(1);
    let mut addresses = vec![start, end.wrapping_sub(1), end, start.wrapping_sub(1), module.entry(), 0, u64::MAX];
    for s in chosen {
        addresses.extend([s.address, s.address.wrapping_add(s.size / 2), s.address.wrapping_add(s.size)]);
    }
    for word in input[input.len().saturating_sub(64)..].chunks_exact(4) {
        let offset = u64::from(u32::from_le_bytes([word[0], word[1], word[2], word[3]]));
        addresses.push(start.wrapping_add(offset % span));
    }
    addresses
}

/// Walk stacks from the visited addresses with the module's CFI (and `.pdata`), over two memories: a frame-pointer
/// chain whose return addresses are the visited addresses, and the input's own bytes.
fn unwind(module: &ModuleSymbols, addresses: &[u64], input: &[u8]) {
    let chain: Vec<u64> = (0..64u64)
        .map(|i| if i % 2 == 0 { STACK + 8 * (i + 2) } else { addresses[i as usize % addresses.len()] })
        .collect();
    let memories = [
        MemorySnapshot::from_words(STACK, &chain),
        MemorySnapshot { base: STACK, bytes: input[..input.len().min(0x1000)].to_vec() },
    ];
    for mut memory in memories {
        for &pc in addresses.iter().take(16) {
            let mut regs = Registers { rip: pc, rsp: STACK + 0x40, rbp: STACK + 0x40, ..Default::default() };
            for frame in 0..MAX_FRAMES {
                match module.unwind_frame(&regs, frame == 0, &mut memory) {
                    Some(caller) if module.contains(caller.rip) => regs = caller,
                    _ => break,
                }
            }
        }
    }
}
