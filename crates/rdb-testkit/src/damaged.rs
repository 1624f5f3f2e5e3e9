//! Debuggees as a broken or hostile build leaves them: a copy of a built debuggee with bytes of its ELF headers
//! changed, written beside the debuggees once per test process (to a temporary name renamed into place, as builds
//! are, so test binaries racing each other never see half a file).

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::time::SystemTime;

use crate::build::built_once;
use crate::debuggees::{debuggee, debuggee_out_dir};

const PT_DYNAMIC: u32 = 2;
const PT_NOTE: u32 = 4;

/// Where [`with_wild_dynamic`]'s dynamic section points: nothing is mapped there in the tests' debuggees.
pub const WILD_DYNAMIC: u64 = 0x4000_0000;

/// A copy of Linux debuggee `name`, `<name>-wild-dynamic`, whose first PT_NOTE program header is made a PT_DYNAMIC
/// at [`WILD_DYNAMIC`]: a dynamic section that points nowhere. For a static executable no code of its own reads it,
/// and the program runs as before (a dynamic one's loader would die of it).
pub fn with_wild_dynamic(name: &str) -> PathBuf {
    let original = debuggee(name);
    built_once(&format!("{name}-wild-dynamic"), || {
        let mut elf = fs::read(&original).unwrap_or_else(|e| panic!("read {}: {e}", original.display()));
        let u16_at = |elf: &[u8], at: usize| u16::from_le_bytes([elf[at], elf[at + 1]]) as usize;
        let phoff = u64::from_le_bytes(elf[32..40].try_into().unwrap()) as usize;
        let (entry_size, count) = (u16_at(&elf, 54), u16_at(&elf, 56));
        let note = (0..count)
            .map(|i| phoff + i * entry_size)
            .find(|&at| u32::from_le_bytes(elf[at..at + 4].try_into().unwrap()) == PT_NOTE)
            .unwrap_or_else(|| panic!("{} has no PT_NOTE to turn into a PT_DYNAMIC", original.display()));
        elf[note..note + 4].copy_from_slice(&PT_DYNAMIC.to_le_bytes());
        // p_vaddr, 16 bytes into a 64-bit program header.
        elf[note + 16..note + 24].copy_from_slice(&WILD_DYNAMIC.to_le_bytes());
        let out = debuggee_out_dir().join(format!("{name}-wild-dynamic"));
        let nanos = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
        let tmp = out.with_extension(format!("tmp{}-{nanos}", std::process::id()));
        fs::write(&tmp, &elf).unwrap_or_else(|e| panic!("write {}: {e}", tmp.display()));
        fs::set_permissions(&tmp, fs::Permissions::from_mode(0o755)).expect("make the copy executable");
        fs::rename(&tmp, &out).unwrap_or_else(|e| panic!("rename {} into place: {e}", tmp.display()));
        out
    })
}
