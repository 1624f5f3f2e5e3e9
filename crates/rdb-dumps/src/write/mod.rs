//! rdb's own dumps of a live process (`.dump`), from the engine's view of it: minidumps (`minidump.rs`) and ELF
//! core files (`core.rs`). The engine decides what goes in; these only lay it out.

mod build_id;
mod elf_core;
mod minidump;
#[cfg(test)]
mod tests;

use std::io::{BufWriter, Seek, Write};

use rdb_engine::Result;
use rdb_engine::dump::{DumpKind, ProcessView};

/// Write a dump of `view` of the kind `kind` to `out`.
pub fn write<W: Write + Seek>(view: &mut ProcessView<'_>, kind: DumpKind, out: W) -> Result<()> {
    let mut out = BufWriter::with_capacity(1 << 20, out);
    match kind {
        DumpKind::FullMinidump => minidump::write(view, true, &mut out),
        DumpKind::SmallMinidump => minidump::write(view, false, &mut out),
        DumpKind::Core => {
            let signal = view.exception.as_ref().map(|e| minidump::signal_of(&e.exception.kind)).unwrap_or(0);
            elf_core::write(view, signal, &mut out)?;
            out.flush().map_err(|e| rdb_engine::Error::msg(format!("cannot write the dump: {e}")))
        }
    }
}
