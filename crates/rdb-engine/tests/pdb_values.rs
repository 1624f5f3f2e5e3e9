//! What a module's PDB says of its variables and types, as `ModuleSymbols` reads it for the value model:
//! `tests/debuggees-windows/wpdbvals.c` built here by clang-14 for the MSVC target and linked by lld-link-14, checked
//! against `llvm-pdbutil-14 dump -types -symbols -globals` of the same PDB (records' sizes and member offsets, a
//! procedure's `S_LOCAL`s with their frame offsets, the data symbols' addresses); and a damaged copy of it asked
//! every value question without a panic.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use rdb_engine::memory::MemorySnapshot;
use rdb_engine::symbols::{FrameAccess, ModuleSymbols, StaticPlace};
use rdb_engine::values::{Type, TypeKind};

/// Where lld-link places an x64 image by default; loading it there makes runtime and file addresses equal.
const IMAGE_BASE: u64 = 0x1_4000_0000;

fn out_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rdb-engine-pdb-values-{}", std::process::id()));
    fs::create_dir_all(&dir).expect("a scratch directory");
    dir
}

/// `wpdbvals.exe` and its PDB, built once.
fn built() -> &'static Path {
    static EXE: OnceLock<PathBuf> = OnceLock::new();
    EXE.get_or_init(|| {
        let dir = out_dir();
        let exe = dir.join("wpdbvals.exe");
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/debuggees-windows/wpdbvals.c");
        let out = Command::new("clang-14")
            .args(["--target=x86_64-pc-windows-msvc", "-gcodeview", "-g", "-O0", "-fuse-ld=lld", "-nostdlib"])
            .arg(format!("-Wl,/pdb:{}", dir.join("wpdbvals.pdb").display()))
            .arg("-Wl,/pdbaltpath:wpdbvals.pdb")
            .args(["-Wl,/entry:start", "-Wl,/subsystem:console", "/usr/x86_64-w64-mingw32/lib/libkernel32.a"])
            .arg(src)
            .arg("-o")
            .arg(&exe)
            .output()
            .expect("clang-14 (scripts/setup.sh installs clang-14, lld-14 and mingw-w64)");
        assert!(out.status.success(), "building wpdbvals failed:\n{}", String::from_utf8_lossy(&out.stderr));
        exe
    })
}

fn module() -> ModuleSymbols {
    let m = ModuleSymbols::load(built(), IMAGE_BASE).expect("the image loads");
    assert!(m.has_pdb(), "{:?}", m.pdb_problem());
    m
}

fn pdbutil(args: &[&str]) -> String {
    let pdb = built().with_extension("pdb");
    let out = Command::new("llvm-pdbutil-14").args(args).arg(&pdb).output().expect("llvm-pdbutil-14");
    assert!(out.status.success(), "llvm-pdbutil-14 {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A `section:offset` (the offset in decimal, as the symbol dump writes it) as a runtime address.
fn address(text: &str) -> u64 {
    let rvas: Vec<u64> = pdbutil(&["dump", "--section-headers"])
        .lines()
        .filter_map(|l| l.trim().strip_suffix(" virtual address"))
        .filter_map(|hex| u64::from_str_radix(hex.trim(), 16).ok())
        .collect();
    let (section, offset) = text.split_once(':').expect("section:offset");
    let section: usize = section.parse().expect("a section number");
    IMAGE_BASE + rvas[section - 1] + offset.parse::<u64>().expect("an offset")
}

/// The text after `key` in `line`, up to the next `,` or `]`.
fn field<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    let rest = line.split(key).nth(1)?;
    Some(rest.split([',', ']']).next()?.trim())
}

/// `llvm-pdbutil dump -types`: each complete struct's or union's size and its members (name, bit offset from the
/// record's start: a bitfield's bit offset added).
fn oracle_records() -> HashMap<String, (u64, Vec<(String, u64)>)> {
    let text = pdbutil(&["dump", "--types"]);
    // Records by index: their lines.
    let mut records: HashMap<String, Vec<&str>> = HashMap::new();
    let mut current = String::new();
    for l in text.lines() {
        if let Some((index, _)) = l.trim().split_once(" | ").filter(|(i, _)| i.starts_with("0x")) {
            current = index.to_string();
        }
        records.entry(current.clone()).or_default().push(l);
    }
    let bit_offset = |ty: &str| -> u64 {
        let Some(lines) = records.get(ty) else { return 0 };
        lines.iter().find_map(|l| field(l, "bit offset = ")).and_then(|b| b.parse().ok()).unwrap_or(0)
    };
    let mut out = HashMap::new();
    for lines in records.values() {
        let head = lines[0];
        if !(head.contains("LF_STRUCTURE") || head.contains("LF_UNION"))
            || lines.iter().any(|l| l.contains("forward ref"))
        {
            continue;
        }
        let name = head.split('`').nth(1).expect("a record's name").to_string();
        let size: u64 = lines.iter().find_map(|l| l.split("sizeof ").nth(1)).expect("sizeof").trim().parse().unwrap();
        let list = lines.iter().find_map(|l| field(l, "field list: ")).expect("a field list");
        let members = records[list]
            .iter()
            .filter(|l| l.contains("LF_MEMBER"))
            .map(|l| {
                let name = l.split('`').nth(1).expect("a member's name").to_string();
                let offset: u64 = field(l, "offset = ").unwrap().parse().unwrap();
                let ty = field(l, "Type = ").unwrap().split(' ').next().unwrap();
                (name, offset * 8 + bit_offset(ty))
            })
            .collect();
        out.insert(name, (size, members));
    }
    out
}

#[test]
fn records_have_the_sizes_and_member_offsets_llvm_pdbutil_reads() {
    let m = module();
    let oracle = oracle_records();
    for (name, keyword) in [("point", "struct"), ("inner", "struct"), ("flags", "struct"), ("number", "union")] {
        let (size, members) = &oracle[name];
        let id = m.named_type(name).unwrap_or_else(|| panic!("no type {name}"));
        assert_eq!(Some(id), m.named_type(&format!("{keyword} {name}")));
        let ty = m.type_of(id).expect("the type");
        assert_eq!(ty.name, format!("{keyword} {name}"));
        assert_eq!(ty.size, Some(*size), "{name}");
        let TypeKind::Record { members: ours } = &ty.kind else { panic!("{name} is {:?}", ty.kind) };
        let ours: Vec<(String, u64)> =
            ours.iter().map(|m| (m.name.clone(), m.offset * 8 + m.bits.map_or(0, |(bit, _)| bit))).collect();
        assert_eq!(&ours, members, "{name}");
    }
    // Members' types, as C writes them.
    let point = m.type_of(m.named_type("point").unwrap()).unwrap();
    let TypeKind::Record { members } = point.kind else { unreachable!() };
    let inner = m.type_of(members[2].ty).expect("the nested struct's type");
    assert_eq!((inner.name.as_str(), inner.size), ("struct inner", Some(4)));
    let number = m.type_of(m.named_type("number").unwrap()).unwrap();
    let TypeKind::Record { members } = number.kind else { unreachable!() };
    let bytes = m.type_of(members[2].ty).unwrap();
    assert_eq!(bytes.name, "unsigned char [4]");
    assert!(matches!(bytes.kind, TypeKind::Array { count: Some(4), .. }), "{bytes:?}");
    let color = m.type_of(m.named_type("enum color").unwrap()).unwrap();
    assert_eq!(
        color.kind,
        TypeKind::Enum { signed: true, enumerators: vec![("RED".into(), 0), ("GREEN".into(), 5), ("BLUE".into(), 6)] }
    );
    // A typedef (S_UDT) names its type; `dt`'s list has the tags and the typedef.
    assert_eq!(m.type_of(m.named_type("point_t").unwrap()).map(|t| t.size), Some(Some(12)));
    let names = m.type_names(&|_| true);
    for name in ["struct point", "union number", "enum color", "point_t"] {
        assert!(names.iter().any(|n| n == name), "{name} not in {names:?}");
    }
}

/// Where the oracle says a variable is: at the frame pointer + offset, or (a function's static) at an address.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Home {
    Frame(i64),
    Static(u64),
}

/// `llvm-pdbutil dump -symbols`: procedure `name`'s `S_LOCAL`s and statics (`S_LDATA32`, named `name::static`) in
/// order (name, whether a parameter, where), and the starts of its blocks, outermost first.
fn oracle_locals(name: &str) -> (Vec<(String, bool, Home)>, Vec<u64>) {
    let text = pdbutil(&["dump", "--symbols"]);
    let mut lines = text.lines().skip_while(|l| !(l.contains("PROC32") && l.contains(&format!("`{name}`"))));
    lines.next().expect("the procedure");
    let mut locals = Vec::new();
    let mut blocks = Vec::new();
    let mut pending: Option<(String, bool)> = None;
    while let Some(l) = lines.next() {
        if l.contains("PROC32") {
            break;
        }
        if l.contains("S_LOCAL ") {
            let next = lines.next().expect("the local's flags");
            pending = Some((l.split('`').nth(1).unwrap().to_string(), next.contains("flags = param")));
        } else if l.contains("S_DEFRANGE_FRAMEPOINTER_REL ") {
            let offset = field(lines.next().unwrap(), "offset = ").unwrap().parse().unwrap();
            let (n, param) = pending.take().expect("a range after its local");
            locals.push((n, param, Home::Frame(offset)));
        } else if l.contains("S_LDATA32 ") {
            let full = l.split('`').nth(1).unwrap();
            let at = address(field(lines.next().unwrap(), "addr = ").unwrap());
            locals.push((full.rsplit("::").next().unwrap().to_string(), false, Home::Static(at)));
        } else if l.contains("S_BLOCK32") {
            lines.next();
            blocks.push(address(field(lines.next().unwrap(), "addr = ").unwrap()));
        }
    }
    (locals, blocks)
}

#[test]
fn a_procedures_locals_are_the_s_locals_llvm_pdbutil_reads_at_their_frame_offsets() {
    let m = module();
    let (locals, blocks) = oracle_locals("combine");
    let innermost = *blocks.last().expect("combine's blocks");
    assert_eq!(locals.len(), 7, "{locals:?}");
    assert!(locals.iter().any(|(n, _, h)| n == "calls" && matches!(h, Home::Static(_))), "{locals:?}");
    let pc = innermost;
    let names: Vec<String> = locals.iter().map(|(n, _, _)| n.clone()).collect();
    assert_eq!(m.scope_names(pc), Some(names.clone()));
    // clang addresses the frame from rsp (S_FRAMEPROC: local fp reg = RSP): DWARF register 7.
    let places = m.static_places(pc).expect("places");
    let ours: Vec<(String, StaticPlace)> = places.iter().map(|(n, _, p)| (n.clone(), *p)).collect();
    let want: Vec<(String, StaticPlace)> = locals
        .iter()
        .map(|(n, _, home)| match *home {
            Home::Frame(offset) => (n.clone(), StaticPlace::Memory { register: 7, offset }),
            Home::Static(at) => (n.clone(), StaticPlace::Absolute(at)),
        })
        .collect();
    // Parameters first, then the locals in the PDB's order.
    let mut want_sorted = want.clone();
    want_sorted.sort_by_key(|(n, _)| !locals.iter().any(|(l, p, _)| l == n && *p));
    assert_eq!(ours, want_sorted);
    let types: Vec<String> =
        places.iter().map(|(_, ty, _)| ty.and_then(|t| m.type_of(t)).map(|t| t.name).unwrap_or_default()).collect();
    assert_eq!(types, ["struct point *", "int", "char", "int", "int", "int", "long long"]);

    // In a frame whose rsp is 0x1000, each is read from rsp + its offset; parameters come first, flagged.
    let rsp = 0x1000u64;
    let register = |n: u16| (n == 7).then_some(rsp);
    let frame = FrameAccess { register: &register, cfa: None, innermost: false, inlined: 0, entry: &[] };
    let mut mem = MemorySnapshot { base: rsp, bytes: (0..64u8).collect() };
    let (function, variables) = m.frame_variables(pc, &frame, &mut mem).expect("combine's variables");
    assert_eq!(function.as_deref(), Some("combine"));
    let kinds: Vec<(String, bool)> =
        variables.iter().map(|v| (v.name.clone(), v.kind == rdb_engine::values::VariableKind::Parameter)).collect();
    assert_eq!(kinds, locals.iter().map(|(n, p, _)| (n.clone(), *p)).collect::<Vec<_>>());

    // Before the inner blocks, only the function's own variables are in scope.
    let outer = m.scope_names(blocks[0] - 1).expect("names");
    assert_eq!(outer, ["p", "scale", "tag", "total", "calls"]);
}

#[test]
fn globals_and_statics_are_at_the_addresses_llvm_pdbutil_reads() {
    let m = module();
    let text = pdbutil(&["dump", "--globals", "--symbols"]);
    for (name, ty) in [("g_counter", "int"), ("s_ratio", "double"), ("g_name", "char [16]")] {
        let mut lines = text.lines().skip_while(|l| !(l.contains("DATA32") && l.contains(&format!("`{name}`"))));
        lines.next().unwrap_or_else(|| panic!("{name} in the dump"));
        let want = address(field(lines.next().unwrap(), "addr = ").unwrap());
        let (at, id) = m.global(name, None).unwrap_or_else(|| panic!("global {name}"));
        assert_eq!(at, want, "{name}");
        assert_eq!(id.and_then(|id| m.type_of(id)).map(|t| t.name), Some(ty.to_string()), "{name}");
    }
}

/// Every type a value question can reach from `ty`, a few levels deep.
fn walk(m: &ModuleSymbols, ty: &Type, depth: usize) {
    if depth > 4 {
        return;
    }
    let ids = match &ty.kind {
        TypeKind::Record { members } => members.iter().map(|m| m.ty).collect(),
        TypeKind::Pointer { target: Some(t), .. } => vec![*t],
        TypeKind::Array { element, .. } => vec![*element],
        _ => Vec::new(),
    };
    for id in ids {
        if let Some(t) = m.type_of(id) {
            walk(m, &t, depth + 1);
        }
    }
}

#[test]
fn a_damaged_pdb_answers_value_questions_without_a_panic() {
    let exe = built();
    let good = fs::read(exe.with_extension("pdb")).expect("the PDB");
    let dir = out_dir().join("damaged");
    fs::create_dir_all(&dir).expect("a scratch directory");
    let innermost = *oracle_locals("combine").1.last().expect("combine's blocks");
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for round in 0..150 {
        let mut bytes = good.clone();
        match round % 3 {
            0 => bytes.truncate(4096 + (next() % (good.len() as u64 - 4096)) as usize),
            1 => {
                for _ in 0..16 {
                    let i = 4096 + (next() % (bytes.len() as u64 - 4096)) as usize;
                    bytes[i] = next() as u8;
                }
            }
            _ => {
                let i = 4096 + (next() % (bytes.len() as u64 - 4096)) as usize;
                let end = (i + 32).min(bytes.len());
                bytes[i..end].fill(next() as u8);
            }
        }
        let image = dir.join(format!("r{round}.exe"));
        fs::copy(exe, &image).expect("copy the image");
        fs::write(image.with_extension("pdb"), &bytes).expect("write the damaged PDB");
        let Ok(m) = ModuleSymbols::load(&image, IMAGE_BASE) else { continue };
        let register = |_: u16| Some(0x1000u64);
        let frame = FrameAccess { register: &register, cfa: None, innermost: true, inlined: 0, entry: &[] };
        let mut mem = MemorySnapshot { base: 0x1000, bytes: vec![0; 64] };
        let _ = (m.scope_names(innermost), m.static_places(innermost), m.global("g_counter", Some(innermost)));
        if let Some((_, variables)) = m.frame_variables(innermost, &frame, &mut mem) {
            for v in variables {
                if let Some(t) = v.ty.and_then(|id| m.type_of(id)) {
                    walk(&m, &t, 0);
                }
            }
        }
        for name in m.type_names(&|_| true) {
            if let Some(t) = m.named_type(&name).and_then(|id| m.type_of(id)) {
                walk(&m, &t, 0);
            }
        }
        let _ = fs::remove_file(&image);
        let _ = fs::remove_file(image.with_extension("pdb"));
    }
}
