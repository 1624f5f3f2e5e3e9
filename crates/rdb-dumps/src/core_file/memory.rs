//! The process's memory as a core recorded it: one `PT_LOAD` segment per mapping, sorted by address, read from the
//! file's bytes on demand (nothing is copied at open, so a large core opens at once).

use rdb_engine::{Error, Result};

/// One `PT_LOAD` segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Segment {
    pub start: u64,
    /// One past the mapping's last byte (`p_vaddr + p_memsz`).
    pub end: u64,
    /// Where its bytes start in the file.
    pub offset: usize,
    /// How many of its bytes the file holds from `offset`: `p_filesz` (the kernel leaves out pages it need not
    /// keep, as a file's unchanged text), less what a truncated file lost.
    pub recorded: u64,
    pub readable: bool,
    pub writable: bool,
    pub executable: bool,
}

/// The segments, sorted by address.
#[derive(Debug, Default)]
pub(super) struct Memory {
    segments: Vec<Segment>,
}

impl Memory {
    pub(super) fn new(mut segments: Vec<Segment>) -> Memory {
        segments.sort_by_key(|s| s.start);
        Memory { segments }
    }

    pub(super) fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// The segment that holds `address`.
    fn at(&self, address: u64) -> Option<&Segment> {
        let after = self.segments.partition_point(|s| s.start <= address);
        self.segments[..after].last().filter(|s| address < s.end)
    }

    /// Read from `address` into `buf` out of `file` (the core's bytes), running on into the next segment where
    /// one follows without a gap; stops at the first byte the core did not record.
    pub(super) fn read(&self, file: &[u8], address: u64, buf: &mut [u8]) -> Result<usize> {
        let mut done = 0usize;
        while done < buf.len() {
            let Some(at) = address.checked_add(done as u64) else { break };
            let Some(segment) = self.at(at) else { break };
            let within = at - segment.start;
            if within >= segment.recorded {
                break;
            }
            let n = (segment.recorded - within).min((buf.len() - done) as u64) as usize;
            let Some(bytes) = segment.offset.checked_add(within as usize).and_then(|from| file.get(from..from + n))
            else {
                break;
            };
            buf[done..done + n].copy_from_slice(bytes);
            done += n;
        }
        if done > 0 {
            return Ok(done);
        }
        match self.at(address) {
            // The engine reads these from the module's file where it can: the kernel leaves out a file's text.
            Some(_) => {
                Err(Error::msg(format!("memory at {address:#x} is not in the dump (the core did not record it)")))
            }
            None => Err(Error::MemoryAccess(address)),
        }
    }

    /// Whether the mapping at `address` may run code.
    pub(super) fn executable(&self, address: u64) -> bool {
        self.at(address).is_some_and(|s| s.executable)
    }

    /// Whether the core recorded the four bytes at `address` and they open an ELF image; `None` if it did not
    /// record them.
    pub(super) fn is_elf_image(&self, file: &[u8], address: u64) -> Option<bool> {
        let mut magic = [0u8; 4];
        match self.read(file, address, &mut magic) {
            Ok(4) => Some(&magic == b"\x7fELF"),
            Ok(_) => Some(false),
            Err(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segment(start: u64, end: u64, offset: usize, recorded: u64) -> Segment {
        Segment { start, end, offset, recorded, readable: true, writable: false, executable: false }
    }

    #[test]
    fn reads_recorded_bytes_across_segments_and_stops_at_what_is_missing() {
        let file: Vec<u8> = (0..=255).collect();
        // 0x1000..0x1010 from file 0 (all recorded), 0x1010..0x1020 from file 16, half recorded; 0x2000 nothing.
        let memory = Memory::new(vec![
            segment(0x1010, 0x1020, 16, 8),
            segment(0x1000, 0x1010, 0, 16),
            segment(0x2000, 0x3000, 64, 0),
        ]);
        let mut buf = [0u8; 32];
        assert_eq!(memory.read(&file, 0x1008, &mut buf).unwrap(), 16);
        assert_eq!(&buf[..16], &(8u8..24).collect::<Vec<_>>()[..]);
        assert!(memory.read(&file, 0x1018, &mut buf).unwrap_err().to_string().contains("not in the dump"));
        assert!(memory.read(&file, 0x2000, &mut buf).unwrap_err().to_string().contains("not in the dump"));
        assert_eq!(memory.read(&file, 0x500, &mut buf), Err(Error::MemoryAccess(0x500)));
        assert_eq!(memory.read(&file, u64::MAX, &mut buf), Err(Error::MemoryAccess(u64::MAX)));
        assert_eq!(memory.is_elf_image(&file, 0x1000), Some(false));
        assert_eq!(memory.is_elf_image(&file, 0x2000), None);
    }
}
