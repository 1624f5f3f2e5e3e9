//! Where an ELF image lies: its extent from the program headers (read with `object`), its entry point, dynamic
//! section and interpreter; and where the kernel placed the executable and its loader (from /proc/pid/auxv).

use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use object::Endianness;
use object::elf::{FileHeader64, PT_DYNAMIC, PT_INTERP, PT_LOAD};
use object::read::elf::{FileHeader, ProgramHeader};

use crate::files::open_regular;

const PAGE: u64 = 0x1000;
const AT_BASE: u64 = 7;
const AT_ENTRY: u64 = 9;
const AT_PHDR: u64 = 3;

/// The layout of one ELF file, in its own (unrelocated) addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Elf {
    pub entry: u64,
    /// The lowest PT_LOAD address, rounded down to a page.
    pub lowest: u64,
    /// The end of the highest PT_LOAD, rounded up to a page.
    pub end: u64,
    /// PT_DYNAMIC's address.
    pub dynamic: Option<u64>,
    /// PT_INTERP's path.
    pub interp: Option<PathBuf>,
}

impl Elf {
    pub fn size(&self) -> u64 {
        self.end - self.lowest
    }

    /// Parse the file header and program headers; `None` unless it is a 64-bit ELF with a PT_LOAD.
    pub fn parse(data: &[u8]) -> Option<Elf> {
        let header = FileHeader64::<Endianness>::parse(data).ok()?;
        let endian = header.endian().ok()?;
        let phdrs = header.program_headers(endian, data).ok()?;
        let mut lowest = u64::MAX;
        let mut end = 0u64;
        let mut dynamic = None;
        let mut interp = None;
        for ph in phdrs {
            match ph.p_type(endian) {
                PT_LOAD => {
                    let vaddr = ph.p_vaddr(endian);
                    lowest = lowest.min(vaddr & !(PAGE - 1));
                    end = end.max(vaddr.saturating_add(ph.p_memsz(endian)).saturating_add(PAGE - 1) & !(PAGE - 1));
                }
                PT_DYNAMIC => dynamic = Some(ph.p_vaddr(endian)),
                PT_INTERP => {
                    if let Ok(Some(name)) = ph.interpreter(endian, data) {
                        interp = Some(PathBuf::from(std::ffi::OsStr::from_bytes(name)));
                    }
                }
                _ => {}
            }
        }
        (lowest < end).then(|| Elf { entry: header.e_entry(endian), lowest, end, dynamic, interp })
    }

    /// Read a file's headers: its first 64 KiB, or the whole file when its headers lie further in. Only a regular
    /// file, opened without blocking, and no more of it than its size then ([`open_regular`]): a module's file may
    /// have been changed into anything since it was loaded, and is read again whenever the loader's list is.
    pub fn from_file(path: &Path) -> Option<Elf> {
        let mut file = open_regular(path).ok()?;
        let size = file.metadata().ok()?.len();
        let mut head = Vec::new();
        (&mut file).take(64 * 1024).read_to_end(&mut head).ok()?;
        let elf = Elf::parse(&head);
        match elf {
            Some(ref e) if e.interp.is_some() || !has_interp(&head) => elf,
            _ => {
                file.take(size.saturating_sub(head.len() as u64)).read_to_end(&mut head).ok()?;
                Elf::parse(&head)
            }
        }
    }
}

/// Whether the headers name an interpreter (even if its string lies beyond the bytes at hand).
fn has_interp(data: &[u8]) -> bool {
    let Ok(header) = FileHeader64::<Endianness>::parse(data) else { return false };
    let Ok(endian) = header.endian() else { return false };
    header.program_headers(endian, data).is_ok_and(|p| p.iter().any(|ph| ph.p_type(endian) == PT_INTERP))
}

/// A module's placement: lowest mapped address and extent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Placed {
    pub base: u64,
    pub size: u64,
    pub path: PathBuf,
}

/// The executable of a process and its dynamic loader, as the kernel placed them.
#[derive(Debug, Clone)]
pub(crate) struct Exe {
    pub image: Placed,
    pub entry: u64,
    /// The run-time address of the dynamic section (`None` for a static executable).
    pub dynamic: Option<u64>,
    pub loader: Option<Placed>,
}

/// Read where the executable and its loader of a process lie.
pub(crate) fn exe(pid: i32) -> std::io::Result<Exe> {
    let auxv = crate::procfs::auxv(pid)?;
    let aux = |t: u64| auxv.iter().find(|&&(k, _)| k == t).map(|&(_, v)| v).unwrap_or(0);
    let entry = aux(AT_ENTRY);
    let path = crate::procfs::exe(pid)?;
    let (image, dynamic, interp) = match Elf::from_file(Path::new(&format!("/proc/{pid}/exe"))) {
        Some(elf) => {
            let bias = entry.wrapping_sub(elf.entry);
            let image = Placed { base: bias.wrapping_add(elf.lowest), size: elf.size(), path };
            (image, elf.dynamic.map(|d| bias.wrapping_add(d)), elf.interp)
        }
        // Unreadable: at least the page of the program headers, which the kernel maps with the image.
        None => (Placed { base: aux(AT_PHDR) & !(PAGE - 1), size: 0, path }, None, None),
    };
    let at_base = aux(AT_BASE);
    let loader = match interp {
        Some(interp) if at_base != 0 => {
            // Read the loader as the debuggee sees it (its root may differ from ours).
            let inside = Path::new(&format!("/proc/{pid}/root")).join(interp.strip_prefix("/").unwrap_or(&interp));
            let elf = Elf::from_file(&inside).or_else(|| Elf::from_file(&interp));
            Some(match elf {
                Some(elf) => Placed { base: at_base.wrapping_add(elf.lowest), size: elf.size(), path: interp },
                None => Placed { base: at_base, size: 0, path: interp },
            })
        }
        _ => None,
    };
    Ok(Exe { image, entry, dynamic, loader })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_not_an_image() {
        assert_eq!(Elf::parse(b""), None);
        assert_eq!(Elf::parse(&[0x7f, b'E', b'L', b'F', 2, 1, 1, 0]), None);
    }

    #[test]
    fn this_test_binary_has_an_extent() {
        let elf = Elf::from_file(&std::env::current_exe().unwrap()).unwrap();
        assert!(elf.lowest < elf.end);
        assert_eq!(elf.lowest % PAGE, 0);
        assert_eq!(elf.end % PAGE, 0);
    }

    #[test]
    fn a_module_file_changed_into_a_fifo_or_a_device_is_not_read() {
        let fifo = std::env::temp_dir().join(format!("rdb-linux-image-fifo-{}", std::process::id()));
        let name = std::ffi::CString::new(fifo.as_os_str().as_bytes()).unwrap();
        // SAFETY: mkfifo reads a NUL-terminated path that lives across the call.
        assert_eq!(unsafe { libc::mkfifo(name.as_ptr(), 0o600) }, 0);
        // A FIFO with no writer would block the open; /dev/zero would be read to the end of memory.
        assert_eq!(Elf::from_file(&fifo), None);
        assert_eq!(Elf::from_file(Path::new("/dev/zero")), None);
        let _ = std::fs::remove_file(&fifo);
    }
}
